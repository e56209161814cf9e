/**
 * The object-level part of "Re-capture and compare" (docs/growth.md), as Markdown: new and freed
 * objects per type, the new ones by what holds them, how objects were matched. Names from the
 * program are put in code spans with backticks and table bars escaped.
 */
import type { GrowthDiff } from '../../protocol/growth';

/** Rows of each table at most. */
export const MAX_GROWTH_ROWS = 40;

const number = new Intl.NumberFormat('en-US');

function code(text: string): string {
  const clean = text.replace(/[\r\n]/g, ' ').replace(/\|/g, '\\|');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${fence === '``' ? ' ' : ''}${clean}${fence === '``' ? ' ' : ''}${fence}`;
}

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${number.format(n)} B`;
}

export function growthMarkdown(growth: GrowthDiff): string[] {
  const t = growth.totals;
  const id = growth.identity;
  const lines = [
    `- **New objects** (alive now, not at the previous capture): ${number.format(t.new.objects)} (${bytes(t.new.bytes)}) · ` +
      `**freed** since: ${number.format(t.freed.objects)} (${bytes(t.freed.bytes)})`,
    `- Compared object by object: ${number.format(id.exact)} matched by the agent's weak references, ` +
      `${number.format(id.inferred)} by inference (same address, type and holder); ` +
      `${number.format(id.reusedAddress)} new objects had the address of a freed one.`,
    '',
  ];
  if (growth.suspects.length > 0) {
    lines.push('## New objects by holder', '', '| New | Type | Held by | Bytes | Created at |');
    lines.push('| ---: | --- | --- | ---: | --- |');
    for (const s of growth.suspects.slice(0, MAX_GROWTH_ROWS)) {
      const of = s.ofType === s.new ? '' : ` of ${number.format(s.ofType)}`;
      lines.push(
        `| ${number.format(s.new)}${of} | ${code(s.type)} | ${code(s.path)} | ${bytes(s.bytes)} | ${s.created ? code(s.created) : ''} |`,
      );
    }
    lines.push('');
  }
  const types = Object.entries(growth.byType).slice(0, MAX_GROWTH_ROWS);
  if (types.length > 0) {
    lines.push(
      '## By type',
      '',
      '| Type | Before | After | New | Freed |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const [name, g] of types) {
      lines.push(
        `| ${code(name)} | ${number.format(g.before)} | ${number.format(g.after)} | ${number.format(g.new)} | ${number.format(g.freed)} |`,
      );
    }
    lines.push('');
  }
  for (const note of growth.notes) lines.push(`> ${note.replace(/[\r\n]/g, ' ')}`, '');
  return lines;
}

/** One sentence for the notification after a re-capture. */
export function growthSentence(growth: GrowthDiff): string {
  const t = growth.totals;
  const top = growth.suspects[0];
  const lead = `${number.format(t.new.objects)} new object${t.new.objects === 1 ? '' : 's'}, ${number.format(t.freed.objects)} freed since the previous capture`;
  return top ? `${lead}; most: ${top.text}.` : `${lead}.`;
}
