/**
 * A capture's progress as the agent reports it (agent/heap_inspector_agent/progress.py), and how
 * the CLI and the editor say it. The agent names its phases; a phase this file does not know (a
 * newer agent's) is shown by its name.
 */

export interface CaptureProgress {
  /** `objects`, `walk`, `leaves`, `roots`, `write`, or a newer agent's phase. */
  phase: string;
  done: number;
  /** 0 when the phase has no count. */
  total: number;
}

/** What each known phase is doing, for people. */
const PHASE_WORDS: Record<string, string> = {
  objects: 'listing objects',
  walk: 'reading references',
  leaves: 'reading untracked objects',
  roots: 'finding roots',
  write: 'writing the snapshot',
};

export function phaseWords(phase: string): string {
  return Object.hasOwn(PHASE_WORDS, phase) ? PHASE_WORDS[phase] : phase;
}

/** The percent done, 0–100, or undefined when the phase has no count. */
export function progressPercent(progress: CaptureProgress): number | undefined {
  if (!(progress.total > 0)) return undefined;
  return Math.min(100, Math.max(0, Math.floor((progress.done * 100) / progress.total)));
}

/** "reading references 45%". */
export function progressText(progress: CaptureProgress): string {
  const percent = progressPercent(progress);
  const words = phaseWords(progress.phase);
  return percent === undefined ? words : `${words} ${percent}%`;
}
