/**
 * Prediction vs. the real collection: the phases of the predicted gc.collect(N) and what
 * CPython's collector itself reported when it ran at the same point of the same process.
 */
import {
  analyzeFinalizers,
  collectorPhases,
  predictCollection,
  type CollectorPhase,
  type HeapSnapshot,
} from '../server/engine/index';

/** What agent/heap_inspector_agent/collect.py records. */
export interface RealCollection {
  generation: number;
  returned: number;
  collected: { count: number; byType: Record<string, number>; addresses: string[] };
  finalizers: { count: number; byType: Record<string, number> };
  resurrected: string[];
  finalizeCallbacksFired: string[];
  garbageAdded: number;
  output: string;
  gcWasEnabled: boolean;
  seconds: number;
}

export interface TypeCountWithAddresses {
  count: number;
  byType: Record<string, number>;
  addresses: string[];
}

export interface StepReport {
  generation: number;
  capture: { file: string; line: number; function: string; python: string };
  phases: Omit<CollectorPhase, 'nodes'>[];
  predicted: TypeCountWithAddresses;
  collected: TypeCountWithAddresses;
  /** The collector found exactly the predicted objects (compared by address: same process). */
  match: boolean;
  mismatch: {
    onlyPredicted: { address: string; type: string }[];
    onlyCollected: { address: string; type: string }[];
  };
  finalizers: { predicted: Record<string, number>; ran: Record<string, number> };
  finalizeCallbacks: { predicted: string[]; fired: string[] };
  resurrected: string[];
  returned: number;
  gcWasEnabled: boolean;
  finalizerOutput: string;
  /** Things the user should know about this run (e.g. 3.14's incremental collector). */
  notes: string[];
}

function counts(names: string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of names) result[name] = (result[name] ?? 0) + 1;
  return result;
}

const lastPart = (name: string) => name.split('.').pop() ?? name;

export function compareWithCollection(
  snapshot: HeapSnapshot,
  generation: number,
  real: RealCollection,
): StepReport {
  const result = predictCollection(snapshot, generation);
  const predictedNodes: number[] = [];
  for (let v = 0; v < snapshot.nodeCount; v++)
    if (result.unreachable[v] === 1) predictedNodes.push(v);
  const predictedAddresses = predictedNodes.map((v) => snapshot.addressHex(v));
  const typeOf = new Map(predictedNodes.map((v) => [snapshot.addressHex(v), snapshot.typeName(v)]));
  const collectedSet = new Set(real.collected.addresses);
  const predictedSet = new Set(predictedAddresses);
  const onlyPredicted = predictedAddresses
    .filter((a) => !collectedSet.has(a))
    .map((address) => ({ address, type: typeOf.get(address) ?? '?' }));
  const realType = new Map<string, string>();
  {
    // The collector names objects only by address; the snapshot knows what each address was.
    const byAddress = new Map<string, number>();
    for (let v = 0; v < snapshot.nodeCount; v++) byAddress.set(snapshot.addressHex(v), v);
    for (const a of real.collected.addresses) {
      const v = byAddress.get(a);
      realType.set(a, v === undefined ? '?' : snapshot.typeName(v));
    }
  }
  const onlyCollected = real.collected.addresses
    .filter((a) => !predictedSet.has(a))
    .map((address) => ({ address, type: realType.get(address) ?? '?' }));
  const finalizeVerdicts = analyzeFinalizers(snapshot, result);
  const predictedCallbacks = result.finalizeFired
    .map((i) =>
      lastPart(
        finalizeVerdicts.verdicts[i]?.record.funcName ?? snapshot.finalizers[i]?.funcName ?? '?',
      ),
    )
    .sort();
  const phases = collectorPhases(snapshot, result).map(({ nodes: _nodes, ...rest }) => rest);
  const meta = snapshot.meta;
  const notes: string[] = [];
  if (meta.gc.incremental && generation < 2) {
    notes.push(
      `this interpreter's collector is incremental (CPython 3.14+): gc.collect(${generation}) collects the young generation and an increment of the old one, not generations 0–${generation}; the phases show the 3.8–3.13 algorithm, and only a full collection (--generation 2) is predicted exactly`,
    );
  }
  return {
    generation,
    capture: {
      file: meta.capture.file,
      line: meta.capture.line,
      function: meta.capture.function,
      python: meta.python.versionString,
    },
    phases,
    predicted: {
      count: predictedNodes.length,
      byType: counts(predictedNodes.map((v) => snapshot.typeName(v))),
      addresses: predictedAddresses,
    },
    collected: real.collected,
    match: onlyPredicted.length === 0 && onlyCollected.length === 0,
    mismatch: { onlyPredicted, onlyCollected },
    finalizers: {
      predicted: counts(Array.from(result.finalizerNodes, (v) => snapshot.typeName(v))),
      ran: real.finalizers.byType,
    },
    finalizeCallbacks: {
      predicted: predictedCallbacks,
      fired: real.finalizeCallbacksFired.map(lastPart).sort(),
    },
    resurrected: real.resurrected,
    returned: real.returned,
    gcWasEnabled: real.gcWasEnabled,
    finalizerOutput: real.output,
    notes,
  };
}

const number = new Intl.NumberFormat('en-US');

function typeList(byType: Record<string, number>, limit = 5): string {
  const entries = Object.entries(byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = entries.slice(0, limit).map(([t, n]) => `${number.format(n)} ${t}`);
  if (entries.length > limit) shown.push(`${entries.length - limit} more types`);
  return shown.length > 0 ? shown.join(', ') : 'nothing';
}

export function stepReportText(report: StepReport): string {
  const c = report.capture;
  const where = c.function === '<module>' ? 'at module level' : `in ${c.function}()`;
  const lines = [
    `gc.collect(${report.generation}) at ${c.file}:${c.line} ${where} — CPython ${c.python}`,
  ];
  for (const phase of report.phases) {
    const count = phase.count === null ? '?' : number.format(phase.count);
    lines.push(
      ` ${phase.step}. ${phase.title.padEnd(30)} ${count.padStart(9)}  ${phase.explanation}`,
    );
  }
  lines.push('');
  lines.push('Prediction vs. the real collection:');
  lines.push(
    `  predicted unreachable: ${number.format(report.predicted.count)} (${typeList(report.predicted.byType)})`,
  );
  lines.push(
    `  CPython found:         ${number.format(report.collected.count)} (${typeList(report.collected.byType)})`,
  );
  if (report.match) {
    lines.push('  ✓ the same objects, address for address');
  } else {
    lines.push('  ✗ MISMATCH — the prediction and the collector disagree:');
    for (const o of report.mismatch.onlyPredicted.slice(0, 20))
      lines.push(`    predicted but not collected: ${o.type} at ${o.address}`);
    for (const o of report.mismatch.onlyCollected.slice(0, 20))
      lines.push(`    collected but not predicted: ${o.type} at ${o.address}`);
  }
  lines.push(
    `  finalizers: predicted ${typeList(report.finalizers.predicted)}; ran ${typeList(report.finalizers.ran)}`,
  );
  lines.push(
    `  weakref.finalize callbacks: predicted [${report.finalizeCallbacks.predicted.join(', ')}]; fired [${report.finalizeCallbacks.fired.join(', ')}]`,
  );
  if (report.resurrected.length > 0) {
    lines.push(`  resurrected by a finalizer (survived): ${report.resurrected.length}`);
  }
  lines.push(`  gc.collect(${report.generation}) returned ${report.returned}`);
  for (const note of report.notes) {
    lines.push(`  note: ${note}`);
  }
  if (!report.gcWasEnabled) {
    lines.push(
      '  note: the program had disabled automatic collection (gc.disable()); the collection ran on request',
    );
  }
  return lines.join('\n');
}
