/**
 * The growth report of `heap-inspector diff --html`: one self-contained, script-free HTML file
 * (tables and an inline SVG chart per type over the captures). Everything from the program (type
 * names, paths, file names) is escaped; the page's policy allows no script and no fetch.
 */
import type { GrowthDiff } from '../../protocol/growth';
import { privacyNote } from './html';
import { countText } from '../../server/engine/countText';

const number = { format: countText }; // made on first use (countText.ts)
/** Types charted over the captures (those that grew the most). */
export const CHARTED_TYPES = 12;

function escape(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[&<>"'\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `&#${c.codePointAt(0)};`,
  );
}

function bytesText(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${number.format(n)} B`;
}

/** A small line chart of one type's count at each capture. */
function chart(counts: number[], labels: string[]): string {
  const width = 260;
  const height = 70;
  const pad = 6;
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  const span = max - min || 1;
  const x = (k: number) => pad + (k * (width - 2 * pad)) / Math.max(1, counts.length - 1);
  const y = (c: number) => height - pad - ((c - min) * (height - 2 * pad)) / span;
  const points = counts.map((c, k) => `${x(k).toFixed(1)},${y(c).toFixed(1)}`).join(' ');
  const dots = counts
    .map(
      (c, k) =>
        `<circle cx="${x(k).toFixed(1)}" cy="${y(c).toFixed(1)}" r="2.5"><title>${escape(labels[k])}: ${number.format(c)}</title></circle>`,
    )
    .join('');
  return (
    `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">` +
    `<polyline points="${points}" fill="none" stroke="currentColor" stroke-width="1.5"/>${dots}</svg>`
  );
}

export function renderGrowthHtml(diff: GrowthDiff): string {
  const labels = diff.captures.map((c) =>
    c.hit !== undefined ? `hit ${c.hit}` : `capture ${c.capture}`,
  );
  const first = diff.captures[0];
  const last = diff.captures[diff.captures.length - 1];
  const t = diff.totals;
  const suspects = diff.suspects
    .map(
      (s) =>
        `<tr><td class="num">${number.format(s.new)}</td><td class="num">${number.format(s.ofType)}</td>` +
        `<td><code>${escape(s.type)}</code></td><td><code>${escape(s.path)}</code></td>` +
        `<td class="num">${bytesText(s.bytes)}</td><td>${s.created !== undefined ? `<code>${escape(s.created)}</code>` : ''}</td></tr>`,
    )
    .join('\n');
  const types = Object.entries(diff.byType)
    .map(
      ([name, g]) =>
        `<tr><td><code>${escape(name)}</code></td><td class="num">${number.format(g.before)}</td>` +
        `<td class="num">${number.format(g.after)}</td><td class="num">${number.format(g.new)}</td>` +
        `<td class="num">${number.format(g.freed)}</td></tr>`,
    )
    .join('\n');
  const charts = diff.perHit
    ? Object.entries(diff.perHit)
        .sort(([, a], [, b]) => b[b.length - 1] - b[0] - (a[a.length - 1] - a[0]))
        .slice(0, CHARTED_TYPES)
        .map(
          ([name, counts]) =>
            `<figure><figcaption><code>${escape(name)}</code> ${counts.map((c) => number.format(c)).join(' → ')}` +
            `${diff.growsAtEveryStep?.includes(name) ? ' <strong>grew at every capture</strong>' : ''}</figcaption>${chart(counts, labels)}</figure>`,
        )
        .join('\n')
    : '';
  const survivors = diff.survivors
    ? `<h2>What survives</h2><ul>${diff.survivors
        .map(
          (s, i) =>
            `<li>${number.format(s.survived)} of the ${number.format(s.new)} objects new at ${escape(labels[i + 1])} are alive at the last capture</li>`,
        )
        .join('')}</ul>`
    : '';
  const notes = diff.notes.map((n) => `<p class="note">${escape(n)}</p>`).join('\n');
  const title = `Growth at ${first.file}:${first.line}, ${labels[0]} → ${labels[labels.length - 1]}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:13px}
.privacy{background:#fff6d5;padding:6px 10px;border:1px solid #e6d38c}.note{color:#555}
figure{display:inline-block;margin:0 1.5em 1em 0;color:#2563eb}figcaption{color:#222;font-size:13px;max-width:260px;overflow-wrap:anywhere}
</style></head><body>
<p class="privacy">${escape(privacyNote(false))}</p>
<h1>${escape(title)}</h1>
<p>CPython ${escape(diff.python)}, pid ${diff.pid}. ${number.format(t.before.objects)} → ${number.format(t.after.objects)} objects
(${bytesText(t.before.bytes)} → ${bytesText(t.after.bytes)}): ${number.format(t.new.objects)} new, ${number.format(t.freed.objects)} freed.
Last capture at <code>${escape(last.file)}:${last.line}</code>.</p>
<h2>New objects by holder</h2>
<table><thead><tr><th>new</th><th>of type</th><th>type</th><th>held by</th><th>bytes</th><th>created at</th></tr></thead><tbody>
${suspects}
</tbody></table>
${charts ? `<h2>Per type over the captures</h2>\n${charts}` : ''}
${survivors}
<h2>By type (first → last capture)</h2>
<table><thead><tr><th>type</th><th>before</th><th>after</th><th>new</th><th>freed</th></tr></thead><tbody>
${types}
</tbody></table>
<h2>How objects were matched</h2>
<p>${number.format(diff.identity.exact)} by the agent's weak references, ${number.format(diff.identity.inferred)} by inference;
${number.format(diff.identity.reusedAddress)} new objects had the address of a freed one.</p>
${notes}
</body></html>
`;
}
