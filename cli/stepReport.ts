/**
 * Prediction vs. the real collection: the phases of the predicted gc.collect(N) and what
 * CPython's collector itself reported when it ran at the same point of the same process.
 */
import type { CollectionComparison } from '../protocol/stepper';
import { escapeLinesForTerminal } from '../server/engine/terminalText';
import { countText } from '../server/engine/countText';

const number = { format: countText }; // made on first use (countText.ts)

function typeList(byType: Record<string, number>, limit = 5): string {
  const entries = Object.entries(byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = entries.slice(0, limit).map(([t, n]) => `${number.format(n)} ${t}`);
  if (entries.length > limit) shown.push(`${entries.length - limit} more types`);
  return shown.length > 0 ? shown.join(', ') : 'nothing';
}

/** The comparison as text; program-derived names are escaped for the terminal, line by line. */
export function stepReportText(report: CollectionComparison): string {
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
  return escapeLinesForTerminal(lines);
}
