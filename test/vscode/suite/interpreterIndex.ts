/**
 * Entry of the interpreter-discovery suite (interpreterDiscovery.itest.ts), run inside the
 * extension host by test/vscode/interpreterDiscovery.test.ts: the same one-line JSON events as
 * index.ts (`[heap-inspector-suite] {...}`).
 */
import { runTests, selectTests } from './support';
import { tests } from './interpreterDiscovery.itest';

export async function run(): Promise<void> {
  await runTests(selectTests(tests), 'interpreter-discovery');
}
