/**
 * Every column's announced length against `meta.counts`, before any is decoded: the same rule for
 * both formats, each naming its own columns. A required column must be there; any other may be
 * absent only when its count is 0; the three alloc.* columns come together, with at most one
 * record per node.
 */
import { SECTION } from '../../protocol/snapshot';
import type { Container } from './snapshotContainer';
import type { SnapshotProblems } from './snapshotError';

export type CountKey = 'nodes' | 'edges' | 'weakrefs' | 'roots';

export function checkColumnCounts(
  container: Container,
  problems: SnapshotProblems,
  counts: Record<CountKey, number>,
  columns: Readonly<Record<string, CountKey>>,
  required: readonly CountKey[],
): void {
  for (const [name, key] of Object.entries(columns)) {
    const section = container.sections.get(name);
    const expected = counts[key];
    if (section === undefined) {
      if (required.includes(key)) problems.corrupt(`required section "${name}" is missing`);
      if (expected !== 0)
        problems.corrupt(`section "${name}" is missing but meta.counts.${key} is ${expected}`);
      continue;
    }
    if (section.count !== expected) {
      problems.corrupt(
        `section "${name}" announces ${section.count} elements but meta.counts.${key} is ${expected}`,
      );
    }
  }
  const alloc = [SECTION.allocNode, SECTION.allocFile, SECTION.allocLine].map((n) =>
    container.sections.get(n),
  );
  const present = alloc.filter((s) => s !== undefined);
  if (present.length === 0) return;
  if (present.length !== 3) problems.corrupt('the alloc.* columns are not all there');
  const a = alloc[0]!.count;
  if (alloc[1]!.count !== a || alloc[2]!.count !== a)
    problems.corrupt('the alloc.* columns have different lengths');
  if (a > counts.nodes)
    problems.corrupt(`there are ${a} allocation records for ${counts.nodes} nodes`);
}
