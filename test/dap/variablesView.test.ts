/**
 * What VS Code's Variables view does to a capture of a paused program, and what the live facts
 * say then, against a real debugpy adapter (no VS Code: the requests the view sends are sent
 * here). When the view shows the paused frame's locals, pydevd keeps one variable object per
 * value it showed (its frames tracker), reachable from `sys.modules`; every value shown then
 * seems to sit in one cycle of tens of thousands of objects through the debugger. The hover must
 * still tell the program's own cycle (`current` and its bound method: 2 objects), whether or not
 * the view read the frame before the capture. The collector's prediction is unchanged.
 *
 *   node --import tsx --test test/dap/variablesView.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { captureOverDap } from '../../extension/capture/index';
import { DocumentOutline } from '../../server/lsp/documentOutline';
import { variableFacts } from '../../server/lsp/liveFacts';
import { LoadedSnapshot } from '../../server/lsp/loadedSnapshot';
import { at, lineOf } from '../lsp/liveCapture';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, ROOT } from './paths';

const PROGRAM = join(ROOT, 'test', 'vscode', 'fixtures', 'live-workspace', 'leak_demo.py');
const TEXT = readFileSync(PROGRAM, 'utf8');
const variants = debugpyVariants().filter((v) => v.version);

/** What the Variables view asks for when the program stops: the top frame's scopes and values. */
async function readLikeVariablesView(session: DebugpySession): Promise<string[]> {
  const scopes = (await session.client.scopesRequest({ frameId: session.topFrameId })).body.scopes;
  const shown: string[] = [];
  for (const scope of scopes) {
    const variables = await session.client.variablesRequest({
      variablesReference: scope.variablesReference,
    });
    shown.push(...variables.body.variables.map((v) => v.name));
  }
  return shown;
}

describe('the Variables view and the live facts', { skip: variants.length === 0 }, () => {
  for (const variant of variants) {
    for (const viewFirst of [false, true]) {
      const when = viewFirst ? 'after the Variables view read the frame' : 'before';
      test(`${variant.label}: \`current\` is in a cycle of 2 objects, captured ${when}`, async () => {
        const pause = lineOf(TEXT, '# PAUSE HERE');
        const session = await DebugpySession.launch(variant, {
          program: PROGRAM,
          line: pause + 1,
          cwd: join(PROGRAM, '..'),
        });
        try {
          if (viewFirst) assert.ok((await readLikeVariablesView(session)).includes('current'));
          const capture = await captureOverDap(session.channel, {
            frameId: session.topFrameId,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory: freshTempDirectory(),
            keepFile: true,
          });
          try {
            const loaded = LoadedSnapshot.fromFile('view#1', 'view', capture.snapshotPath!);
            const outline = await DocumentOutline.parse(TEXT);
            const line = lineOf(TEXT, 'current = Connection(pool, "current")');
            const current = variableFacts(loaded, PROGRAM, outline, at(TEXT, line, 'current'));
            assert.ok(current, 'no facts for `current`');
            assert.equal(current.object.type, '__main__.Connection');
            assert.equal(current.object.inCycle, true);
            assert.equal(current.object.cycleSize, 2, 'the instance and its bound method');
            assert.equal(current.object.unreachable, false, 'a local keeps it alive');
          } finally {
            await capture.dispose();
          }
        } finally {
          await session.close();
        }
      });
    }
  }
});
