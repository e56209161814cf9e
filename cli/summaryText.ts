/**
 * The human-readable summary the CLI prints: what a Python developer needs in a few lines. Type
 * names, function names, paths and warnings come from the program: every line is escaped for the
 * terminal as a whole, so a line added later is too.
 */
import type { Summary, TypeCount } from '../protocol/summary';
import { escapeLinesForTerminal } from '../server/engine/terminalText';
import { countText } from '../server/engine/countText';

const number = { format: countText }; // made on first use (countText.ts)

function typeList(count: TypeCount, limit = 6): string {
  const entries = Object.entries(count.byType).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  const shown = entries.slice(0, limit).map(([type, n]) => `${number.format(n)} ${type}`);
  if (entries.length > limit) {
    shown.push(`${entries.length - limit} more types`);
  }
  return shown.join(', ');
}

function plural(n: number, noun: string): string {
  return `${number.format(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Objects of the text summary's "what holds the memory" list. */
export const TEXT_TOP_RETAINERS = 5;

/** The largest retainers and the leak suspects (the paths are the program's text). */
function retainedLines(summary: Summary): string[] {
  const retained = summary.retained;
  if (!retained || retained.top.length === 0) return [];
  const lines = [
    'Holding the most memory (what the next gc.collect() would free, at the latest, if every reference to it went):',
  ];
  for (const entry of retained.top.slice(0, TEXT_TOP_RETAINERS)) {
    lines.push(
      `  ${entry.path ?? `<held from outside: ${entry.type} at ${entry.address}>`} (${shortName(entry.type)}): ` +
        `${plural(entry.objects, 'object')}, ${plural(entry.bytes, 'byte')}`,
    );
  }
  for (const suspect of retained.suspects) {
    lines.push(
      `Leak suspect: ${suspect.text} (${Math.round(suspect.share * 100)}% of the live heap, ` +
        `${plural(suspect.retained.bytes, 'byte')})`,
    );
  }
  return lines;
}

/** `builtins.list` → `list`; other types keep their module. */
function shortName(type: string): string {
  return type.startsWith('builtins.') ? type.slice('builtins.'.length) : type;
}

export function summaryText(summary: Summary): string {
  const lines: string[] = [];
  const { capture, heap, unreachable } = summary;
  const where = capture.function === '<module>' ? 'at module level' : `in ${capture.function}()`;
  lines.push(
    `Heap at ${capture.file}:${capture.line} ${where} — CPython ${capture.python}, ` +
      `${number.format(heap.objects)} objects (${number.format(heap.tracked)} tracked by the collector)`,
  );
  if (unreachable.count === 0) {
    lines.push('The next gc.collect() frees nothing: no unreachable reference cycles.');
  } else {
    lines.push(
      `The next gc.collect() frees ${number.format(unreachable.count)} unreachable objects ` +
        `(${number.format(unreachable.bytes)} bytes): ${typeList(unreachable)}`,
    );
    const cycles = summary.cycles.filter((c) => c.unreachable);
    if (cycles.length > 0) {
      const largest = Math.max(...cycles.map((c) => c.size));
      lines.push(
        `  held in ${plural(cycles.length, 'reference cycle')} (largest: ${plural(largest, 'object')})`,
      );
    }
  }
  const del = summary.finalizers.del;
  if (del.count > 0) {
    lines.push(
      `  finalizers that run when they are freed: ${number.format(del.count)} (${typeList(del)})`,
    );
    const none = summary.finalizers.delIsNone;
    if (none !== undefined && none.count > 0) {
      lines.push(
        `    of which ${number.format(none.count)} raise TypeError (__del__ = None: CPython still calls it, ` +
          `"Exception ignored"): ${typeList(none)}`,
      );
    }
  }
  const finalize = summary.finalizers.weakrefFinalize;
  if (finalize.pending > 0) {
    lines.push(
      `weakref.finalize: ${finalize.pending} pending, ${finalize.willFire} fire at the next collection, ` +
        `${finalize.selfDefeating} self-defeating`,
    );
    for (const entry of finalize.entries.filter((e) => e.selfDefeating)) {
      lines.push(
        `  ${entry.func} keeps its ${entry.referentType ?? 'object'} alive: it never runs before exit`,
      );
    }
  }
  const young = summary.generations.filter((g) => g.generation < 2);
  if (young.length > 0 && unreachable.count > 0) {
    lines.push(
      young.map((g) => `gc.collect(${g.generation}) frees ${number.format(g.count)}`).join(', '),
    );
  }
  lines.push(...retainedLines(summary));
  if (!summary.gc.enabled) {
    lines.push(
      'Automatic collection is disabled (gc.disable()): only an explicit gc.collect() frees cycles.',
    );
  }
  // Built by the engine from numbers only: no program-derived text in it.
  if (summary.otherThreads?.notice) lines.push(`note: ${summary.otherThreads.notice}`);
  for (const warning of summary.warnings) {
    lines.push(`note: ${warning}`);
  }
  return escapeLinesForTerminal(lines);
}
