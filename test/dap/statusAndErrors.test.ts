/**
 * The pure pieces of a capture over DAP: Python literals (checked by a real Python), reading the
 * hook's status out of an evaluate result (raw, or repr'd by an adapter that ignores rawString),
 * and the messages for adapter rejections no local debugger can produce (an adapter without
 * `evaluate`, a non-Python debugger).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { CaptureError } from '../../extension/capture/errors';
import { fromRejection, fromStatus, fromUnknownResult } from '../../extension/capture/failures';
import { parseHookStatus, unrepr } from '../../extension/capture/hookStatus';
import { pythonLiteral } from '../../extension/capture/pythonLiteral';

test('Python literals: strings with quotes, backslashes, newlines and any Unicode', () => {
  const value = {
    path: "C:\\Users\\o'brien\\tmp\n\t\u00e9\u4e2d\ud83d\ude00",
    n: 3,
    x: 1.5,
    flags: [true, false, null],
  };
  const literal = pythonLiteral(value);
  assert.match(literal, /^[\x20-\x7e]*$/, 'plain ASCII');
  const run = spawnSync(findPython(), ['-c', `import json; print(json.dumps(${literal}))`], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), value);
});

test('the status, raw or as a repr', () => {
  const status = '{"status":"ok","frame":{"file":"C:\\\\x\'y"}}';
  assert.deepEqual(parseHookStatus(status), { status: 'ok', frame: { file: "C:\\x'y" } });
  const repr = spawnSync(findPython(), ['-c', 'import sys; print(repr(sys.argv[1]))', status], {
    encoding: 'utf8',
  }).stdout.trim();
  assert.notEqual(repr, status);
  assert.equal(unrepr(repr), status);
  assert.deepEqual(parseHookStatus(repr), parseHookStatus(status));
  // The hook pads its answer with spaces (debugger_hook._padded); a debugger that cuts a long
  // result in the middle (pydevd's SafeRepr: the start, "...", the end) cuts the padding.
  const padded = status + ' '.repeat(70000 - status.length);
  assert.deepEqual(parseHookStatus(padded), parseHookStatus(status));
  const plain = '{"status":"ok","nodes":3}';
  const long = plain + ' '.repeat(70000 - plain.length);
  const cut = `'${long.slice(0, 43690)}...${long.slice(-21845)}'`;
  assert.deepEqual(parseHookStatus(cut), { status: 'ok', nodes: 3 });
  assert.equal(parseHookStatus("'abc'"), null);
  assert.equal(parseHookStatus('SyntaxError: invalid syntax'), null);
  assert.equal(parseHookStatus('{"no":"status"}'), null);
});

test('adapter rejections become codes with one-line messages', () => {
  const cases: [string, string][] = [
    ['Unable to find thread for evaluation.', 'not-paused'],
    ['Wrong ID sent from the client: 12', 'not-paused'],
    ["Unrecognized request 'evaluate'", 'evaluate-unsupported'],
    ['evaluate is not supported', 'evaluate-unsupported'],
    ['Server[pid=42] disconnected unexpectedly', 'session-ended'],
    ['No more messages', 'session-ended'],
    // VS Code (1.100): a request still pending when the adapter stops (its CancellationError),
    // and one sent after.
    ['Canceled', 'session-ended'],
    ["No debugger available, can not send 'evaluate'", 'session-ended'],
    ['Traceback (most recent call last):\n  File "<string>"\nMemoryError: out', 'agent-failed'],
    ['ReferenceError: __builtins__ is not defined', 'not-python'],
    ['something else entirely', 'not-python'],
  ];
  for (const [message, code] of cases) {
    const error = fromRejection(new Error(message));
    assert.equal(error.code, code, message);
    assert.ok(!error.message.includes('\n'));
  }
  const capture = new CaptureError('timeout', 'kept as is');
  assert.equal(fromRejection(capture), capture);
});

test('results and statuses that are not a success', () => {
  assert.equal(fromUnknownResult('').code, 'not-paused');
  assert.equal(fromUnknownResult('2').code, 'not-python');
  const context = { agentDirectory: '/ext/agent', snapshotDirectory: '/tmp/hi-x' };
  const old = fromStatus(
    { status: 'unsupported-python', implementation: 'cpython', version: '3.7.16' },
    context,
  );
  assert.equal(old.code, 'unsupported-python');
  assert.match(old.message, /cpython 3\.7\.16.*CPython 3\.8 or later/);
  const write = fromStatus(
    { status: 'error', code: 'cannot-write', message: 'PermissionError: [Errno 13]' },
    context,
  );
  assert.equal(write.code, 'cannot-write');
  assert.match(write.message, /\/tmp\/hi-x/);
  assert.equal(write.detail, 'PermissionError: [Errno 13]');
  assert.equal(
    fromStatus({ status: 'error', code: 'agent-missing' }, context).code,
    'agent-missing',
  );
  assert.equal(fromStatus({ status: 'error', code: 'interrupted' }, context).code, 'interrupted');
  assert.equal(fromStatus({ status: 'error', code: 'weird' }, context).code, 'agent-failed');
});
