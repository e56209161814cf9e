/**
 * Inspect Heap Here's run to a line under the debugger, at the DAP level against a real debugpy
 * adapter, with the requests VS Code sends around it (recorded in code-server): the session
 * stops on entry, the debugger's start-up garbage is collected there and the program continues
 * while VS Code still asks about the entry stop; at the line VS Code reads the stack and the
 * Variables view and the temporary breakpoint is removed while the capture starts. None of that
 * may change what the capture finds unreachable: the same objects as `heap-inspector snapshot`
 * for the same line, by type.
 *
 *   node --import tsx --test test/dap/debuggerRun.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { captureOverDap } from '../../extension/capture/index';
import { analyze, readSnapshotFile, summarize } from '../../server/engine/index';
import { cliNumbers, markedLine } from '../vscode/cliExpectations';
import { DebugpySession, debugpyVariants, type DebugpyVariant } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, ROOT } from './paths';

const PROGRAM = join(ROOT, 'test', 'vscode', 'fixtures', 'workspace', 'leaky_pool.py');
const LINE = markedLine(PROGRAM, '# INSPECT HERE');
const variants = debugpyVariants().filter((v) => v.version);

/** Answers or the error's text: VS Code's requests may fail once the thread runs on. */
function settle(request: Promise<unknown>): Promise<unknown> {
  return request.catch((error: unknown) => String(error));
}

async function runToLine(variant: DebugpyVariant): Promise<Record<string, number>> {
  const session = await DebugpySession.launch(variant, {
    program: PROGRAM,
    line: LINE,
    cwd: join(PROGRAM, '..'),
    stopOnEntry: true,
  });
  const { client, channel, threadId } = session;
  try {
    const entryFrame = session.topFrameId;
    // What extension/debug/startupGarbage.ts does at the entry stop.
    const freed = await client.evaluateRequest({
      expression: "__import__('gc').collect()",
      frameId: entryFrame,
      context: 'repl',
    });
    assert.ok(Number(freed.body.result) > 0, 'the debugger left start-up garbage to collect');
    const atLine = client.waitForEvent('stopped', 60_000);
    // VS Code, still busy with the entry stop, while the program continues.
    const continued = client.continueRequest({ threadId });
    const late = [
      settle(client.stackTraceRequest({ threadId, startFrame: 0, levels: 20 })),
      settle(client.scopesRequest({ frameId: entryFrame })),
      settle(client.variablesRequest({ variablesReference: 1 })),
    ];
    await continued;
    await Promise.all(late);
    await atLine;
    const frames = (await client.stackTraceRequest({ threadId, levels: 1 })).body.stackFrames;
    assert.equal(frames[0].line, LINE);
    // At the line: VS Code's stack, its Variables view and the breakpoint's removal, all while
    // the capture starts.
    const around = (async () => {
      await settle(client.stackTraceRequest({ threadId, startFrame: 1, levels: 19 }));
      const scopes = await client.scopesRequest({ frameId: frames[0].id });
      await Promise.all([
        settle(client.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [] })),
        ...scopes.body.scopes.map((s) =>
          settle(client.variablesRequest({ variablesReference: s.variablesReference })),
        ),
      ]);
    })();
    const capture = await captureOverDap(channel, {
      frameId: frames[0].id,
      agentDirectory: AGENT_DIRECTORY,
      tempDirectory: freshTempDirectory(),
      keepFile: true,
    });
    await around;
    try {
      const snapshot = readSnapshotFile(capture.snapshotPath!);
      return summarize(snapshot, analyze(snapshot)).unreachable.byType;
    } finally {
      await capture.dispose();
    }
  } finally {
    await session.close();
  }
}

describe('run to a line under the debugger', { skip: variants.length === 0 }, () => {
  for (const variant of variants) {
    test(`${variant.label}: the capture finds what heap-inspector snapshot finds`, async () => {
      const expected = cliNumbers(variant.python, PROGRAM, LINE).byType;
      assert.deepEqual(expected, { '__main__.Connection': 3, '__main__.Node': 2 });
      // A few times: the requests race the program and the capture differently each time.
      for (let run = 0; run < 3; run++) {
        assert.deepEqual(await runToLine(variant), expected, `run ${run + 1}`);
      }
    });
  }
});
