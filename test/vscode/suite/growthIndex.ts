/**
 * Entry of the Track Growth Here suite (growth.itest.ts), run inside the extension host by
 * test/vscode/growth.test.ts: the same one-line JSON events as index.ts.
 */
import { runTests, selectTests } from './support';
import { tests } from './growth.itest';

export async function run(): Promise<void> {
  await runTests(selectTests(tests), 'growth');
}
