/**
 * Entry of the export suite (export.itest.ts), run inside the extension host by
 * test/vscode/export.test.ts: the same one-line JSON events as index.ts.
 */
import { runTests, selectTests } from './support';
import { tests } from './export.itest';

export async function run(): Promise<void> {
  await runTests(selectTests(tests), 'export');
}
