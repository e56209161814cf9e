/**
 * The capture's expressions on every Python this machine has, without a debugger
 * (programs/evaluate_in_frame.py evaluates them in a frame as pydevd does): debugpy runs only on
 * some of them, but the expressions must work on CPython 3.8–3.13 and answer cleanly — never a
 * SyntaxError — on older ones (2.7, 3.6, 3.7). Also checks the hook's fallback for a debugger
 * that is not pydevd, and that nothing is left in the frame, `sys.path` or `sys.modules`; and the
 * install's answer when the debuggee cannot read the hook's file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  buildCaptureExpression,
  buildInstallExpression,
  captureCall,
} from '../../extension/capture/agentExpression';
import { parseHookStatus } from '../../extension/capture/hookStatus';
import { readSnapshot } from '../../server/engine';
import { AGENT_DIRECTORY, freshTempDirectory, PROGRAMS } from './paths';
import { installedInterpreters, type Interpreter } from '../helpers/interpreters';

const DRIVER = join(PROGRAMS, 'evaluate_in_frame.py');

// Every version, 3.6 and 3.7 included: the expression must at least fail cleanly there.
const interpreters = (): Interpreter[] => installedInterpreters({ minMinor: 0 });

interface DriverOutput {
  python: string;
  results: string[];
  localsBefore: string[];
  localsAfter: string[];
  pathSame: boolean;
  modulesAdded: string[];
  agentLoadedModules: string[];
}

function evaluateInFrame(python: string, mode: string, expressions: string[]): DriverOutput {
  const file = join(freshTempDirectory(), 'expressions.json');
  writeFileSync(file, JSON.stringify(expressions));
  const run = spawnSync(python, [DRIVER, mode, file], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as DriverOutput;
}

const found = interpreters();

describe('the capture expressions on every installed Python', { skip: found.length === 0 }, () => {
  for (const { version, python } of found) {
    for (const mode of ['pydevd', 'innermost']) {
      test(`${version} (${mode})`, () => {
        const directory = freshTempDirectory();
        const first = join(directory, 'first.heapsnap');
        const second = join(directory, 'second.heapsnap');
        const output = evaluateInFrame(python, mode, [
          buildCaptureExpression(first, AGENT_DIRECTORY),
          buildInstallExpression(captureCall(first, AGENT_DIRECTORY)),
          buildCaptureExpression(second, AGENT_DIRECTORY),
        ]);
        const [probe, install, again] = output.results.map((result) => parseHookStatus(result));
        assert.equal(probe?.status, 'no-hook');
        assert.deepEqual(output.localsAfter, output.localsBefore, 'no name in the frame');
        assert.equal(output.pathSame, true, 'sys.path unchanged');
        const [major, minor] = output.python.split('.').map(Number);
        if (major < 3 || (major === 3 && minor < 8)) {
          assert.deepEqual(install, {
            status: 'unsupported-python',
            implementation: 'cpython',
            version: output.python,
          });
          assert.equal(again?.status, 'no-hook');
          assert.deepEqual(output.modulesAdded, [], 'nothing imported');
          assert.deepEqual(readdirSync(directory), []);
          return;
        }
        assert.equal(install?.status, 'ok', JSON.stringify(install));
        assert.equal(again?.status, 'ok', JSON.stringify(again));
        for (const [status, path] of [
          [install!, first],
          [again!, second],
        ] as const) {
          const frame = status.frame as { function: string; resolvedBy: string };
          assert.equal(frame.function, 'target');
          assert.equal(frame.resolvedBy, mode);
          const snapshot = readSnapshot(readFileSync(path), path);
          assert.equal(snapshot.frames.paused[0].function, 'target');
          assert.equal(snapshot.meta.capture.trigger, 'debugger');
        }
        assert.equal(install!.agentLoaded, true);
        assert.equal(again!.agentLoaded, false);
        const foreign = output.modulesAdded.filter(
          (name) => !name.startsWith('_heap_inspector_agent'),
        );
        // Every module the capture imported is one the agent counts as its own (left out).
        assert.deepEqual(
          foreign.filter((name) => !output.agentLoadedModules.includes(name)),
          [],
          `imported: ${foreign}`,
        );
      });
    }
  }
});

describe('a debugger hook the debuggee cannot read', { skip: found.length === 0 }, () => {
  for (const { version, python } of found) {
    test(version, () => {
      const directory = freshTempDirectory();
      const call = captureCall(join(directory, 'x.heapsnap'), AGENT_DIRECTORY);
      const unreadable = { ...call, hook: { ...call.hook, path: join(directory, 'no-hook.py') } };
      const output = evaluateInFrame(python, 'pydevd', [buildInstallExpression(unreadable)]);
      const [install] = output.results.map((result) => parseHookStatus(result));
      assert.deepEqual(output.localsAfter, output.localsBefore, 'no name in the frame');
      assert.equal(output.pathSame, true, 'sys.path unchanged');
      const [major, minor] = output.python.split('.').map(Number);
      if (major < 3 || (major === 3 && minor < 8)) {
        assert.equal(install?.status, 'unsupported-python');
        return;
      }
      assert.deepEqual(install, {
        status: 'error',
        code: 'agent-missing',
        stage: 'load',
        message: 'cannot read the debugger hook (FileNotFoundError, errno 2)',
      });
      assert.ok(
        !output.modulesAdded.some((name) => name.startsWith('_heap_inspector_agent')),
        `nothing installed: ${output.modulesAdded}`,
      );
      assert.deepEqual(readdirSync(directory), []);
    });
  }
});
