/**
 * Validation of a Track Growth Here message's data (protocol/growth.ts GrowthTrack): every field
 * the growth section reads, before it reads it.
 */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

function typeGrowthProblem(byType: unknown): string | null {
  if (!isObj(byType)) return 'comparison.byType should be an object';
  for (const [name, r] of Object.entries(byType)) {
    if (
      !isObj(r) ||
      !isCount(r.before) ||
      !isCount(r.after) ||
      !isCount(r.new) ||
      !isCount(r.freed)
    )
      return `comparison.byType[${JSON.stringify(name)}] needs before, after, new, freed counts`;
  }
  return null;
}

/** A problem with the track, or null when the section can draw it. */
export function growthTrackProblem(track: unknown): string | null {
  if (!isObj(track)) return 'track should be an object';
  if (!Array.isArray(track.stops) || track.stops.length === 0)
    return 'track.stops should list stops';
  for (const s of track.stops) {
    if (!isObj(s) || !isCount(s.stop) || !isObj(s.capture) || !isCount(s.capture.objects))
      return 'each stop needs a stop number and its capture';
  }
  if (!isObj(track.perStop)) return 'track.perStop should be an object';
  for (const counts of Object.values(track.perStop)) {
    if (!Array.isArray(counts) || counts.length !== track.stops.length || !counts.every(isCount))
      return 'each type of track.perStop needs one count per stop';
  }
  if (!isObj(track.newExample) || !Object.values(track.newExample).every(isStr))
    return 'track.newExample should map types to addresses';
  if (!Array.isArray(track.suspectExample) || !track.suspectExample.every(isStr))
    return 'track.suspectExample should list addresses';
  if (track.comparison === null) return null;
  const c = track.comparison;
  if (!isObj(c)) return 'track.comparison should be an object or null';
  const problem = typeGrowthProblem(c.byType);
  if (problem) return problem;
  if (!Array.isArray(c.suspects) || c.suspects.length !== track.suspectExample.length)
    return 'comparison.suspects should have one address each';
  for (const s of c.suspects) {
    if (
      !isObj(s) ||
      !isStr(s.path) ||
      !isStr(s.type) ||
      !isStr(s.text) ||
      !isCount(s.new) ||
      !isCount(s.bytes)
    )
      return 'each suspect needs path, type, text, new and bytes';
  }
  if (!isObj(c.totals)) return 'comparison.totals should be an object';
  for (const k of ['before', 'after', 'new', 'freed']) {
    const t = c.totals[k];
    if (!isObj(t) || !isCount(t.objects) || !isCount(t.bytes))
      return `comparison.totals.${k} needs objects and bytes`;
  }
  if (!Array.isArray(c.notes) || !c.notes.every(isStr)) return 'comparison.notes should be strings';
  return null;
}
