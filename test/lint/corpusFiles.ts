/**
 * The lint corpus in test/lint/corpus/ (rules.test.ts, quickFixes.test.ts): its Python files, in
 * order, and each one's diagnostics, linted once per test file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintText, type LintDiagnostic } from '../../server/lint/index';

export const CORPUS = join(__dirname, 'corpus');
export const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.py'))
  .sort();

const cache = new Map<string, Promise<LintDiagnostic[]>>();
export function lintFile(file: string): Promise<LintDiagnostic[]> {
  let p = cache.get(file);
  if (!p) {
    p = lintText(readFileSync(join(CORPUS, file), 'utf8'));
    cache.set(file, p);
  }
  return p;
}
