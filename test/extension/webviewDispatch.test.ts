/**
 * The heap view's one message dispatcher (extension/panel/webviewDispatch.ts): each message type
 * has one handler, whoever registered it (the panel, the stepper); what is not protocol, and what
 * nothing handles, is logged.
 *
 *   node --import tsx --test test/extension/webviewDispatch.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebviewDispatcher } from '../../extension/panel/webviewDispatch';

interface Panel {
  key: string;
}

function dispatcher() {
  const warnings: string[] = [];
  return { d: new WebviewDispatcher<Panel>((m) => warnings.push(m)), warnings };
}

test('messages reach the handler of their type, with the panel they came from', async () => {
  const { d, warnings } = dispatcher();
  const seen: string[] = [];
  d.register({
    ready: (p) => seen.push(`${p.key} ready`),
    requestPath: (p, m) => seen.push(`${p.key} path ${m.requestId}:${m.node}`),
  });
  d.register({
    runCollection: async (p, m) => {
      await Promise.resolve();
      seen.push(`${p.key} collect ${m.generation}`);
      return 'ran';
    },
  });
  const panel = { key: 'session:1' };
  await d.dispatch(panel, { type: 'ready' }, 'heap view');
  await d.dispatch(panel, { type: 'requestPath', requestId: 7, node: 3 }, 'heap view');
  assert.equal(
    await d.dispatch(panel, { type: 'runCollection', generation: 2 }, 'heap view'),
    'ran',
  );
  assert.deepEqual(seen, ['session:1 ready', 'session:1 path 7:3', 'session:1 collect 2']);
  assert.deepEqual(warnings, []);
});

test('a message that is not protocol, or that nothing handles, is logged', async () => {
  const { d, warnings } = dispatcher();
  d.register({ ready: () => undefined });
  const panel = { key: 'run:/x.py' };
  assert.equal(await d.dispatch(panel, { type: 'selfDestruct' }, 'heap view run:/x.py'), undefined);
  assert.equal(await d.dispatch(panel, 'ready', 'heap view run:/x.py'), undefined);
  assert.equal(
    await d.dispatch(panel, { type: 'cancelCollection' }, 'heap view run:/x.py'),
    undefined,
  );
  assert.deepEqual(warnings, [
    'heap view run:/x.py: ignored a message that is not protocol: {"type":"selfDestruct"}',
    'heap view run:/x.py: ignored a message that is not protocol: "ready"',
    'heap view run:/x.py: nothing handles the message "cancelCollection" here; ignored',
  ]);
});

test('one handler per type: a second is refused; removing handlers frees their types', async () => {
  const { d, warnings } = dispatcher();
  const remove = d.register({ requestStepper: () => 'first' });
  assert.throws(
    () => d.register({ requestStepper: () => 'second' }),
    /two handlers.*requestStepper/,
  );
  remove();
  d.register({ requestStepper: () => 'second' });
  const panel = { key: 'k' };
  assert.equal(await d.dispatch(panel, { type: 'requestStepper', requestId: 1 }, 'h'), 'second');
  assert.deepEqual(warnings, []);
});

test('a handler that fails rejects the dispatch', async () => {
  const { d } = dispatcher();
  d.register({
    export: () => {
      throw new Error('disk full');
    },
  });
  await assert.rejects(
    d.dispatch({ key: 'k' }, { type: 'export', format: 'svg', fileName: 'a.svg', data: '' }, 'h'),
    /disk full/,
  );
});
