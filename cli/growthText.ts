/**
 * The text `heap-inspector diff` prints: what grew between the captures, the new objects by
 * holder, the types that changed, and how the objects were matched. Type names and paths are
 * the program's text: every line is escaped for the terminal.
 */
import type { GrowthDiff } from '../protocol/growth';
import { escapeLinesForTerminal } from '../server/engine/terminalText';
import { countText } from '../server/engine/countText';

const number = { format: countText }; // made on first use (countText.ts)
/** Lines of each list in the text (the JSON has them all). */
export const TEXT_SUSPECTS = 8;
export const TEXT_TYPES = 12;

function signed(n: number): string {
  return (n >= 0 ? '+' : '−') + number.format(Math.abs(n));
}

function bytesText(n: number): string {
  if (Math.abs(n) >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (Math.abs(n) >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${number.format(n)} bytes`;
}

function captureName(diff: GrowthDiff, k: number): string {
  const c = diff.captures[k];
  return c.hit !== undefined ? `hit ${c.hit}` : `capture ${c.capture}`;
}

export function growthText(diff: GrowthDiff): string {
  const first = diff.captures[0];
  const last = diff.captures[diff.captures.length - 1];
  const t = diff.totals;
  const where =
    first.file === last.file && first.line === last.line
      ? `${first.file}:${first.line}`
      : `${first.file}:${first.line} → ${last.file}:${last.line}`;
  const lines = [
    `Growth at ${where}, ${captureName(diff, 0)} → ${captureName(diff, diff.captures.length - 1)} ` +
      `(CPython ${diff.python}, pid ${diff.pid}): ${signed(t.after.objects - t.before.objects)} objects ` +
      `(${t.after.bytes >= t.before.bytes ? '+' : '−'}${bytesText(Math.abs(t.after.bytes - t.before.bytes))}); ` +
      `${number.format(t.new.objects)} new, ${number.format(t.freed.objects)} freed`,
  ];
  if (diff.suspects.length > 0) {
    lines.push('New objects by holder (most bytes first):');
    for (const s of diff.suspects.slice(0, TEXT_SUSPECTS)) {
      const created = s.created !== undefined ? `, created at ${s.created}` : '';
      lines.push(`  ${s.text} (${bytesText(s.bytes)}${created})`);
    }
  }
  const types = Object.entries(diff.byType).slice(0, TEXT_TYPES);
  if (types.length > 0) {
    lines.push('By type (first → last capture; new, freed):');
    for (const [name, g] of types) {
      lines.push(
        `  ${name}: ${number.format(g.before)} → ${number.format(g.after)} (${number.format(g.new)} new, ${number.format(g.freed)} freed)`,
      );
    }
  }
  if (diff.growsAtEveryStep && diff.growsAtEveryStep.length > 0 && diff.perHit) {
    lines.push(`Grew at every one of the ${diff.captures.length} captures:`);
    for (const name of diff.growsAtEveryStep.slice(0, TEXT_TYPES)) {
      lines.push(`  ${name}: ${diff.perHit[name].map((n) => number.format(n)).join(', ')}`);
    }
  }
  if (diff.survivors) {
    const parts = diff.survivors.map(
      (s, i) =>
        `${number.format(s.survived)} of ${number.format(s.new)} new at ${captureName(diff, i + 1)}`,
    );
    lines.push(`Alive at the last capture: ${parts.join('; ')}`);
  }
  const id = diff.identity;
  lines.push(
    `Objects matched by weak reference: ${number.format(id.exact)}; by inference: ${number.format(id.inferred)}; ` +
      `new objects at a freed object's address: ${number.format(id.reusedAddress)}`,
  );
  for (const note of diff.notes) lines.push(`Note: ${note}`);
  return escapeLinesForTerminal(lines);
}
