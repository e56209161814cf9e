/**
 * Entry of the live-facts suite (liveFacts.itest.ts), run inside the extension host by
 * test/vscode/liveFacts.test.ts: the same one-line JSON events as index.ts
 * (`[heap-inspector-suite] {...}`), for the live-facts tests only.
 */
import { runTests, selectTests } from './support';
import { tests } from './liveFacts.itest';

export async function run(): Promise<void> {
  await runTests(selectTests(tests), 'live-facts');
}
