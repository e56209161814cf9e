/**
 * The words of the live facts: hover Markdown for a variable and for an allocation line, the
 * CodeLens title of a class, the text after a decorated line. The editor shows them as they are
 * (the `$(icon)`s are VS Code theme icons); command links go to `SHOW_IN_GRAPH_COMMAND` only.
 */
import {
  SHOW_IN_GRAPH_COMMAND,
  type AllocationSite,
  type LiveCaptureRef,
  type ShowInGraphArgs,
} from '../../protocol/lsp';
import type { ClassFacts, LiveObjectFacts, VariableFacts } from './liveFactsTypes';

/** An allocation site before its words. */
export type SiteCounts = Omit<AllocationSite, 'annotation' | 'hover'>;

/**
 * `command:` link with JSON arguments, as VS Code's Markdown expects. The tooltip is plain text:
 * a `$(icon)` in it would be rendered inside the attribute.
 */
export function commandLink(
  title: string,
  command: string,
  args: unknown,
  tooltip: string,
): string {
  const href = `command:${command}?${encodeURIComponent(JSON.stringify([args]))}`;
  return `[${title}](${href} "${tooltip.replace(/["$()]/g, '')}")`;
}

export function showInGraphLink(
  capture: LiveCaptureRef,
  address: string,
  title = 'Show in Heap Graph',
): string {
  const args: ShowInGraphArgs = { snapshotId: capture.snapshotId, address };
  return commandLink(
    `$(type-hierarchy-sub) ${title}`,
    SHOW_IN_GRAPH_COMMAND,
    args,
    `Select ${address} in the heap view of this capture`,
  );
}

/** `__main__.Connection` → `Connection`; `builtins.set` → `set`. */
export function shortType(type: string): string {
  const dot = type.lastIndexOf('.');
  const module = dot < 0 ? '' : type.slice(0, dot);
  const name = dot < 0 ? type : type.slice(dot + 1);
  if (module === 'builtins' || module === '__main__') return name;
  // `pkg.mod.Outer.Inner`: keep the last two parts.
  const parts = type.split('.');
  return parts.length > 2 ? parts.slice(-2).join('.') : type;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

export interface AllocationSetting {
  /** `heapInspector.trackAllocations` for the document's folder. */
  trackAllocations: boolean;
}

/** The "Allocated" line, or why there is none. */
function allocationLine(o: LiveObjectFacts, capture: LiveCaptureRef, s: AllocationSetting): string {
  if (o.allocation) {
    return `**Allocated at** ${escape(fileName(o.allocation.file))}:${o.allocation.line}`;
  }
  if (capture.allocationsRecorded) return '**Allocated at:** not recorded for this object';
  return s.trackAllocations
    ? '**Allocated at:** not recorded: this program was not started with tracemalloc ' +
        '(`heapInspector.trackAllocations` applies to the sessions the extension launches: start it again)'
    : '**Allocated at:** not recorded: allocation tracking is off ' +
        '(turn on `heapInspector.trackAllocations` to run the sessions the extension launches with tracemalloc)';
}

/** What the next collections do with the object. */
function collectionLine(o: LiveObjectFacts): string {
  if (o.selfDefeating) {
    return (
      '**Never freed before exit:** its own `weakref.finalize` callback refers to it, so the ' +
      'finalizer registry keeps it alive (lint rule HI007)'
    );
  }
  if (o.freedByGeneration === 0) {
    return '**Freed by the next collection:** it is unreachable; even `gc.collect(0)` frees it';
  }
  if (o.freedByGeneration !== null) {
    return (
      `**Freed by \`gc.collect()\`:** it is unreachable, but it sits in generation ${o.generation}: ` +
      `\`gc.collect(${o.freedByGeneration})\` or a full collection frees it, younger ones do not`
    );
  }
  if (o.generation === null)
    return '**Next collection:** not involved: the collector does not track it';
  return '**Next collection:** does not free it: it is still reachable';
}

function cycleLine(o: LiveObjectFacts): string | null {
  if (!o.inCycle) return null;
  if (o.cycleSize <= 64) {
    return (
      `**In a reference cycle** of ${plural(o.cycleSize, 'object')}: reference counting alone ` +
      'can never free it; only the cycle collector can, once nothing outside refers to it'
    );
  }
  return (
    `**In a reference cycle:** part of ${plural(o.cycleSize, 'object')} that refer to each ` +
    'other (through its class and module): only the cycle collector can free it'
  );
}

function finalizerLine(o: LiveObjectFacts): string | null {
  switch (o.finalizer) {
    case 'del':
      return o.unreachable
        ? '**Finalizer:** `__del__` pending: it runs when the collector frees the object'
        : '**Finalizer:** `__del__` pending';
    case 'generator':
      return '**Finalizer:** a suspended generator: its `finally` blocks run when it is freed';
    case 'native':
      return '**Finalizer:** a native finalizer is pending';
    case 'finalize':
      return o.selfDefeating
        ? '**Finalizer:** `weakref.finalize` registered, and it keeps the object alive'
        : '**Finalizer:** `weakref.finalize` registered: it runs when the object is freed';
    default:
      return o.finalized ? '**Finalizer:** `__del__` already ran (it will not run again)' : null;
  }
}

/** What it retains, with the notion named (docs/retained.md). */
function retainedLine(o: LiveObjectFacts): string {
  const size = (n: number, bytes: number) => `${plural(n, 'object')} (${plural(bytes, 'byte')})`;
  const all = `**Retains** ${size(o.retained.objects, o.retained.bytes)}`;
  if (o.unreachable) return `${all}: unreachable, the next collection frees them anyway`;
  const ifDropped = 'if every reference to it went';
  if (o.atOnce.objects === o.retained.objects) {
    return `${all}: freed at once by reference counting ${ifDropped}`;
  }
  if (o.atOnce.objects === 0) {
    return (
      `${all}: freed by the next collection ${ifDropped} ` +
      '(none at once: it is in a reference cycle, which only the collector frees)'
    );
  }
  return (
    `${all}: freed by the next collection ${ifDropped}; ` +
    `${size(o.atOnce.objects, o.atOnce.bytes)} of them at once by reference counting`
  );
}

function pathLine(facts: VariableFacts): string {
  const p = facts.path;
  if (!p) return '**Why alive:** nothing reaches it from a root: it is garbage';
  let steps = p.steps.map((s, i) =>
    i === 0 ? escape(s.type) : `${escape(s.label || '·')} → ${escape(s.type)}`,
  );
  if (steps.length > 6) steps = [...steps.slice(0, 2), '…', ...steps.slice(-3)];
  return `**Why alive:** ${escape(p.root)} → ${steps.join(' ')}`;
}

function scopeText(facts: VariableFacts): string {
  const s = facts.scope;
  if (s.kind === 'module') return `global of \`${s.module}\``;
  const fn = s.function === '<module>' ? 'module level' : `\`${s.function}()\``;
  if (s.index === 0) return `local of ${fn}, the paused frame`;
  return `local of ${fn}, ${plural(s.index, 'frame')} up the stack`;
}

/** The hover over a name in a frame of the paused stack. */
export function variableHoverMarkdown(facts: VariableFacts, setting: AllocationSetting): string {
  const o = facts.object;
  const head =
    `$(pulse) **${escape(facts.expression)}**: \`${shortType(o.type)}\` at \`${o.address}\` ` +
    `· ${plural(o.size, 'byte')} · refcount ${o.refcount}` +
    (o.generation === null ? ' · untracked' : ` · generation ${o.generation}`);
  const lines = [
    cycleLine(o),
    collectionLine(o),
    retainedLine(o),
    finalizerLine(o),
    pathLine(facts),
    allocationLine(o, facts.capture, setting),
  ].filter((l): l is string => l !== null);
  return [
    head,
    '',
    `_${scopeText(facts)} · latest capture: ${escape(facts.capture.where)}_`,
    '',
    ...lines.map((l) => `- ${l}`),
    '',
    showInGraphLink(facts.capture, o.address),
  ].join('\n');
}

const BUILTIN_NAMES: Record<string, [string, string]> = {
  'builtins.method': ['bound method', 'bound methods'],
  'builtins.function': ['function', 'functions'],
  'builtins.frame': ['frame', 'frames'],
  'builtins.cell': ['closure cell', 'closure cells'],
};

/** `3 Connection instances`, `1 bound method`, `2 dicts`. */
export function countOf(type: string, n: number): string {
  const named = BUILTIN_NAMES[type];
  if (named) return `${n} ${n === 1 ? named[0] : named[1]}`;
  const name = shortType(type);
  if (type.startsWith('builtins.')) return `${n} ${name}${n === 1 ? '' : 's'}`;
  return `${n} ${name} instance${n === 1 ? '' : 's'}`;
}

/** The short text after a line that allocated unreachable or stuck objects. */
export function siteAnnotation(site: SiteCounts): string {
  const types = Object.entries(site.byType).sort((a, b) => b[1] - a[1]);
  const total = types.reduce((a, [, n]) => a + n, 0);
  const what =
    types.length <= 2
      ? types.map(([t, n]) => countOf(t, n)).join(', ')
      : `${countOf(types[0][0], types[0][1])} and ${plural(total - types[0][1], 'other object')}`;
  if (site.selfDefeating === 0) {
    return `${what} allocated here: unreachable, the next gc.collect() frees ${total === 1 ? 'it' : 'them'}`;
  }
  if (site.unreachable === 0) {
    return `${what} allocated here: kept alive by ${total === 1 ? 'its' : 'their'} own weakref.finalize, never freed`;
  }
  return `${what} allocated here: ${site.unreachable} unreachable, ${site.selfDefeating} kept alive by weakref.finalize`;
}

/** The hover over such a line. */
export function siteHoverMarkdown(site: SiteCounts, capture: LiveCaptureRef): string {
  const total = Object.values(site.byType).reduce((a, b) => a + b, 0);
  const title =
    site.selfDefeating === 0
      ? `This line allocated ${plural(total, 'object')} the next \`gc.collect()\` frees`
      : site.unreachable === 0
        ? `This line allocated ${plural(total, 'object')} that ${total === 1 ? 'is' : 'are'} never freed`
        : `This line allocated ${plural(total, 'object')} that ${total === 1 ? 'is' : 'are'} leaking or about to be collected`;
  const out = [
    `$(pulse) **${title}**`,
    '',
    `_latest capture: ${escape(capture.where)} · allocation sites from tracemalloc_`,
    '',
  ];
  if (site.unreachable > 0) {
    out.push(
      `${plural(site.unreachable, 'object')} unreachable: reference counting cannot free ${site.unreachable === 1 ? 'it' : 'them'}, the cycle collector will.`,
    );
  }
  if (site.selfDefeating > 0) {
    out.push(
      `${plural(site.selfDefeating, 'object')} kept alive by ${site.selfDefeating === 1 ? 'its' : 'their'} own \`weakref.finalize\` (its callback refers to ${site.selfDefeating === 1 ? 'it' : 'them'}): freed only at exit.`,
    );
  }
  out.push('');
  for (const o of site.objects) {
    const notes = [
      o.cycleSize > 0 && o.cycleSize <= 64 ? `in a cycle of ${o.cycleSize}` : null,
      o.finalizer === 'del' ? '`__del__` pending' : null,
      o.selfDefeating ? 'stuck behind its weakref.finalize' : null,
      o.unreachable ? 'unreachable' : null,
    ].filter(Boolean);
    out.push(
      `- \`${shortType(o.type)}\` \`${o.address}\`${notes.length ? ` · ${notes.join(' · ')}` : ''} · ${showInGraphLink(capture, o.address, 'Show')}`,
    );
  }
  const listed = site.objects.length;
  if (total > listed) out.push(`- … and ${plural(total - listed, 'more object')}`);
  return out.join('\n');
}

/** The CodeLens over a class definition. */
export function classLensTitle(c: ClassFacts): string {
  if (c.live === 0) return '$(pulse) Heap: no live instances';
  const parts = [
    plural(c.live, 'live instance'),
    `${c.inCycles.toLocaleString('en-US')} in cycles`,
    `${c.unreachable.toLocaleString('en-US')} unreachable`,
  ];
  if (c.selfDefeating > 0)
    parts.push(`${c.selfDefeating.toLocaleString('en-US')} kept alive by weakref.finalize`);
  return `$(pulse) Heap: ${parts.join(' · ')}`;
}

/** The CodeLens's tooltip. */
export function classLensTooltip(c: ClassFacts, capture: LiveCaptureRef): string {
  const action = c.focus ? ': click to show one in the heap graph' : '';
  return `${c.qualname} in the latest capture (${capture.where})${action}`;
}
