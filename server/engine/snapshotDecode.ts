/**
 * Decoded sections of a container, for the format readers (snapshotReader.ts for format 1,
 * snapshotReaderV2.ts for format 2): a JSON section parsed (snapshotJson.ts), a column's bytes
 * with every chunk concatenated, or nothing when the section is absent.
 */
import { decodeChunk, decodeSection, type Container } from './snapshotContainer';
import type { SnapshotProblems } from './snapshotError';
import { parseJsonSection } from './snapshotJson';

/** The value of JSON section `name`, or undefined when it is absent. */
export function jsonSection(
  container: Container,
  name: string,
  problems: SnapshotProblems,
  flatStrings = false,
): unknown {
  const section = container.sections.get(name);
  if (section === undefined) return undefined;
  return parseJsonSection(decodeSection(container, section, problems), name, problems, flatStrings);
}

/** Each chunk of JSON section `name` parsed on its own (format 2's `strings`), in file order. */
export function jsonChunks(
  container: Container,
  name: string,
  problems: SnapshotProblems,
  flatStrings = false,
): unknown[] {
  const section = container.sections.get(name);
  if (section === undefined) return [];
  return section.chunks.map((chunk) =>
    parseJsonSection(decodeChunk(container, chunk, problems), name, problems, flatStrings),
  );
}

/** A column's decoded bytes (every chunk, in file order); empty when the section is absent. */
export function columnBytes(
  container: Container,
  name: string,
  problems: SnapshotProblems,
): Uint8Array {
  const section = container.sections.get(name);
  return section === undefined ? new Uint8Array(0) : decodeSection(container, section, problems);
}

/** Every section in `names` is there. */
export function requireSections(
  container: Container,
  problems: SnapshotProblems,
  names: readonly string[],
): void {
  for (const name of names) {
    if (!container.sections.has(name)) problems.corrupt(`required section "${name}" is missing`);
  }
}
