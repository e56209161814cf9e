/**
 * What the live facts are made of (server/lsp/liveFacts.ts), on the fixture captured by the real
 * agent (liveCapture.ts), without RPC: which object a hovered name is and in which frame or
 * module it was found, what a class's CodeLens counts. liveFacts.test.ts checks what the editor
 * receives over LSP.
 *
 *   node --import tsx --test test/lsp/liveFactsAnswers.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DocumentOutline } from '../../server/lsp/documentOutline';
import { classFacts, variableFacts } from '../../server/lsp/liveFacts';
import { LoadedSnapshot } from '../../server/lsp/loadedSnapshot';
import { at, captureLiveFixture, lineOf, type LiveFixture } from './liveCapture';

describe('live facts answers', () => {
  let fixture: LiveFixture;
  let loaded: LoadedSnapshot;
  let outline: DocumentOutline;
  let text: string;

  before(async () => {
    fixture = captureLiveFixture();
    text = fixture.text;
    loaded = LoadedSnapshot.fromFile('answers#1', 'answers', fixture.snapshot);
    outline = await DocumentOutline.parse(text);
  });

  after(() => fixture?.dispose());

  const variable = (position: { line: number; character: number }) =>
    variableFacts(loaded, fixture.program, outline, position);

  test('a local of the paused frame, an attribute chain, a global up the stack', () => {
    const pause = lineOf(text, '# PAUSE HERE');
    const serveLine = lineOf(text, 'workspace = Workspace()');
    const current = variable(at(text, serveLine + 1, 'current'));
    assert.ok(current);
    assert.equal(current.expression, 'current');
    assert.deepEqual(current.scope, {
      kind: 'frame',
      index: 0,
      function: 'serve',
      line: pause + 1,
    });
    assert.equal(current.object.type, '__main__.Connection');
    assert.equal(current.object.inCycle, true);
    assert.equal(current.object.cycleSize, 2, 'the instance and its bound method');
    assert.equal(current.object.unreachable, false, 'a local keeps it alive');
    assert.equal(current.object.finalizer, 'del');
    assert.equal(current.object.finalized, false);
    assert.equal(current.object.allocation?.line, serveLine + 2);
    assert.match(current.path?.root ?? '', /local current/);
    assert.equal(current.capture.allocationsRecorded, true);

    const workspace = variable(at(text, serveLine, 'workspace'));
    assert.equal(workspace?.object.type, '__main__.Workspace');
    assert.equal(workspace?.object.selfDefeating, true);
    assert.equal(workspace?.object.finalizer, 'finalize');

    const chain = variable(at(text, pause + 1, 'path'));
    assert.equal(chain?.expression, 'workspace.path');
    assert.equal(chain?.object.type, 'builtins.str');

    // main() is a frame up the stack: its `pool` is the set serve() was given.
    const mainLine = lineOf(text, 'open_connections(pool, 3)');
    const up = variable(at(text, mainLine, 'pool'));
    assert.deepEqual(up?.scope, { kind: 'frame', index: 1, function: 'main', line: mainLine + 3 });
    assert.equal(up?.object.type, 'builtins.set');
    // The same set, as a module global.
    const global = variable(at(text, lineOf(text, 'main(shared)'), 'shared'));
    assert.deepEqual(global?.scope, { kind: 'module', module: '__main__' });
    assert.equal(global?.object.address, up?.object.address);

    // Inside serve(), `pool` is the parameter: the same set, from the paused frame.
    const param = variable(at(text, pause, 'pool'));
    assert.deepEqual(param?.scope, { kind: 'frame', index: 0, function: 'serve', line: pause + 1 });
    assert.equal(param?.object.address, global?.object.address);

    // Locals not bound yet (here and up the stack), a function that is not running, a builtin.
    assert.equal(variable(at(text, pause, 'answer')), null);
    assert.equal(variable(at(text, lineOf(text, 'result = serve(pool)'), 'result')), null);
    assert.equal(variable(at(text, lineOf(text, 'conn = Connection(pool'), 'conn')), null);
    assert.equal(variable(at(text, pause, 'len')), null);
  });

  test('class facts for CodeLens', () => {
    const result = classFacts(loaded, fixture.program, outline);
    const by = new Map(result.classes.map((c) => [c.qualname, c]));
    assert.deepEqual(
      (({ live, inCycles, unreachable, finalizersPending }) => ({
        live,
        inCycles,
        unreachable,
        finalizersPending,
      }))(by.get('Connection')!),
      { live: 4, inCycles: 4, unreachable: 3, finalizersPending: 4 },
    );
    assert.match(by.get('Connection')!.focus ?? '', /^0x[0-9a-f]+$/);
    assert.equal(by.get('Workspace')?.live, 2);
    assert.equal(by.get('Workspace')?.selfDefeating, 2);
    assert.equal(by.get('Connection')?.range.start.line, lineOf(text, 'class Connection'));
  });
});
