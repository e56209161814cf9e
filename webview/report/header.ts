/**
 * The top of the page: the capture, the headline numbers, the verdict in plain words (what the
 * next collection frees, why reference counting cannot, what would free it) and the warnings.
 */
import type { HeapView } from '../../protocol/heapView';
import { h, rich, type Child } from '../ui/dom';
import { baseName, formatBytes, formatCount } from '../model/format';
import type { HeapIndex } from '../model/heapIndex';
import { icon } from '../ui/icons/icon';
import { buildVerdict } from '../model/verdict';
import './header.css';

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(
    h(
      'div',
      { class: 'load-error', attrs: { role: 'alert', 'data-testid': 'load-error' } },
      h('h1', null, 'This heap report cannot be shown'),
      h('p', null, message),
      h(
        'p',
        { class: 'muted' },
        'Re-create the report with the same version of heap-inspector that opens it, or report the problem with this file attached.',
      ),
    ),
  );
}

// --- Header ----------------------------------------------------------------------------------

function stat(
  value: number,
  label: string,
  testId: string,
  opts: { tone?: string; sub?: Child; title?: string } = {},
): HTMLElement {
  return h(
    'div',
    { class: `stat${opts.tone ? ` tone-${opts.tone}` : ''}`, attrs: { title: opts.title } },
    h('span', { class: 'stat-value', attrs: { 'data-testid': testId } }, String(value)),
    h('span', { class: 'stat-label' }, label),
    opts.sub ? h('span', { class: 'stat-sub' }, opts.sub) : null,
  );
}

export function header(view: HeapView): HTMLElement {
  const s0 = view.summary;
  const c = s0.capture;
  const gc = s0.gc;
  const wf = s0.finalizers.weakrefFinalize;
  const time = new Date(c.time * 1000);
  const when = Number.isNaN(time.getTime()) ? '' : time.toLocaleString();
  const gcText = [
    gc.enabled ? 'enabled' : 'DISABLED',
    gc.incremental ? 'incremental' : null,
    `thresholds ${gc.thresholds.join(' / ')}`,
    `counts ${gc.counts.join(' / ')}`,
    gc.frozen > 0 ? `${formatCount(gc.frozen)} frozen` : null,
    gc.garbage > 0 ? `gc.garbage: ${gc.garbage}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'header',
    { class: 'report-header' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', null, 'Python heap report'),
      h(
        'span',
        { class: 'capture', attrs: { title: `${c.file}:${c.line}`, 'data-testid': 'capture' } },
        'captured at ',
        h('code', null, `${baseName(c.file)}:${c.line}`),
        c.function === '<module>' ? ' at module level' : ' in ',
        c.function === '<module>' ? null : h('code', null, `${c.function}()`),
      ),
    ),
    h(
      'div',
      { class: 'meta' },
      h('span', null, `Python ${c.python}`),
      h('span', null, `pid ${c.pid}`),
      when ? h('span', null, when) : null,
      h('span', { class: 'path', attrs: { title: c.file } }, c.file),
      h(
        'span',
        { class: gc.enabled ? '' : 'error-text', attrs: { 'data-testid': 'gc-state' } },
        `gc: ${gcText}`,
      ),
    ),
    h(
      'div',
      { class: 'stats' },
      stat(s0.unreachable.count, 'unreachable objects', 'unreachable-count', {
        tone: s0.unreachable.count > 0 ? 'bad' : 'ok',
        sub: `${formatBytes(s0.unreachable.bytes)} · freed by the next gc.collect()`,
      }),
      stat(s0.cycles.length, s0.cycles.length === 1 ? 'cycle' : 'cycles', 'cycle-count', {
        tone: s0.cycles.some((x) => x.unreachable) ? 'bad' : undefined,
        sub: 'reference cycles holding them',
      }),
      stat(s0.finalizers.del.count, '__del__ / finalizers pending', 'finalizer-count', {
        tone: s0.finalizers.del.count > 0 ? 'warn' : undefined,
        sub: 'run when they are freed',
      }),
      h(
        'div',
        { class: `stat${wf.selfDefeating > 0 ? ' tone-error' : ''}` },
        h(
          'span',
          { class: 'stat-value', attrs: { 'data-testid': 'finalize-pending' } },
          String(wf.pending),
        ),
        h('span', { class: 'stat-label' }, 'weakref.finalize pending'),
        h(
          'span',
          { class: 'stat-sub' },
          h(
            'span',
            {
              class: wf.selfDefeating > 0 ? 'error-text' : '',
              attrs: { 'data-testid': 'finalize-self-defeating' },
            },
            String(wf.selfDefeating),
          ),
          ' self-defeating',
          wf.willFire > 0 ? ` · ${wf.willFire} fire next` : '',
        ),
      ),
      stat(s0.heap.objects, 'objects in the heap', 'heap-objects', {
        sub: `${formatBytes(s0.heap.bytes)} · ${formatCount(s0.heap.tracked)} tracked`,
      }),
    ),
  );
}

// --- Verdict ---------------------------------------------------------------------------------

export function verdictSection(view: HeapView, index: HeapIndex): HTMLElement {
  const v = buildVerdict(view, index);
  const mark = icon(v.kind === 'ok' ? 'pass' : v.kind === 'stuck' ? 'error' : 'warning');
  return h(
    'section',
    {
      class: `verdict kind-${v.kind}`,
      attrs: { 'data-testid': 'verdict', 'aria-label': 'Verdict' },
    },
    h(
      'p',
      { class: 'headline' },
      h('span', { class: 'verdict-icon', attrs: { 'aria-hidden': 'true' } }, mark),
      ...rich(v.headline),
    ),
    v.points.length > 0
      ? h('ul', null, ...v.points.map((p) => h('li', { class: `tone-${p.tone}` }, ...rich(p.text))))
      : null,
    ...v.fix.map((f) => h('p', { class: 'fix' }, h('strong', null, 'Fix: '), ...rich(f))),
  );
}

export function warningsSection(view: HeapView, notes: string[]): HTMLElement | null {
  const all = [...view.summary.warnings, ...notes];
  if (view.truncated) {
    all.push(
      `The graph is cut to ${formatCount(view.truncated.shown)} of ${formatCount(view.truncated.total)} objects.`,
    );
  }
  if (all.length === 0) return null;
  return h(
    'section',
    { class: 'warnings', attrs: { 'data-testid': 'warnings', 'aria-label': 'Warnings' } },
    h('h2', null, 'Capture warnings'),
    h('ul', null, ...all.map((w) => h('li', null, w))),
  );
}
