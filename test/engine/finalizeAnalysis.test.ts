import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { barrierNodes } from '../../server/engine/finalizeAnalysis';
import { HeapBuilder } from '../helpers/heapBuilder';

/**
 * A program with `ws = Workspace()` as a global of __main__, a module-level `cleanup(path)`,
 * and `shutil.rmtree`: module-level functions reach `ws` through `__globals__`.
 */
function program() {
  const h = new HeapBuilder();
  const main = h.obj('builtins.module', { name: '__main__' });
  const globals = h.obj('builtins.dict');
  const shutil = h.obj('builtins.module', { name: 'shutil' });
  const shutilGlobals = h.obj('builtins.dict');
  const cls = h.obj('builtins.type', { name: 'Workspace' });
  const clsDict = h.obj('builtins.dict');
  const method = h.obj('builtins.function', { name: 'Workspace.cleanup' });
  const cleanup = h.obj('builtins.function', { name: 'cleanup' });
  const rmtree = h.obj('builtins.function', { name: 'rmtree' });
  const ws = h.obj('__main__.Workspace');
  const path = h.obj('builtins.str', { name: '/tmp/ws' });
  h.module(main, '__main__').module(shutil, 'shutil');
  h.ref(main, globals, '__dict__', EdgeKind.Slot).ref(
    shutil,
    shutilGlobals,
    '__dict__',
    EdgeKind.Slot,
  );
  h.ref(globals, cls, 'Workspace', EdgeKind.StrKey).ref(
    globals,
    cleanup,
    'cleanup',
    EdgeKind.StrKey,
  );
  h.ref(globals, ws, 'ws', EdgeKind.StrKey).ref(globals, shutil, 'shutil', EdgeKind.StrKey);
  h.ref(shutilGlobals, rmtree, 'rmtree', EdgeKind.StrKey);
  h.ref(cls, clsDict, '__dict__', EdgeKind.Slot).ref(clsDict, method, 'cleanup', EdgeKind.StrKey);
  h.ref(method, globals, '__globals__', EdgeKind.Slot);
  h.ref(cleanup, globals, '__globals__', EdgeKind.Slot);
  h.ref(rmtree, shutilGlobals, '__globals__', EdgeKind.Slot);
  h.ref(ws, cls, '__class__', EdgeKind.Slot).ref(ws, path, 'path');
  return { h, main, globals, cls, method, cleanup, rmtree, ws, path };
}

describe('weakref.finalize analysis', () => {
  test('modules, module dicts and classes are barriers', () => {
    const p = program();
    const barrier = barrierNodes(p.h.snapshot());
    const set = [...barrier.keys()].filter((v) => barrier[v] === 1);
    // main, globals, shutil, shutilGlobals, cls
    assert.deepEqual(set, [p.main, p.globals, 2, 3, p.cls]);
  });

  test('a bound method of the referent is self-defeating (func → __self__)', () => {
    const p = program();
    const bound = p.h.obj('builtins.method');
    p.h.ref(bound, p.method, '__func__', EdgeKind.Slot).ref(bound, p.ws, '__self__', EdgeKind.Slot);
    const fin = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({ node: fin, referent: p.ws, func: bound, funcName: 'Workspace.cleanup' });
    const snap = p.h.snapshot();
    const [v] = analyze(snap).finalize.verdicts;
    assert.equal(v.selfDefeating, true);
    assert.equal(v.via, 'func');
    assert.deepEqual(v.chain, [bound, p.ws]);
    assert.deepEqual(
      v.chainEdges.map((e) => snap.edgeLabel(e)),
      ['__self__'],
    );
    assert.equal(v.willFire, false);
  });

  test('a lambda capturing the referent is self-defeating (closure → cell)', () => {
    const p = program();
    const lambda = p.h.obj('builtins.function', { name: '<lambda>' });
    const closure = p.h.obj('builtins.tuple');
    const cell = p.h.obj('builtins.cell');
    p.h.ref(lambda, p.globals, '__globals__', EdgeKind.Slot);
    p.h.ref(lambda, closure, '__closure__', EdgeKind.Slot).ref(closure, cell, 0);
    p.h.ref(cell, p.ws, 'cell_contents', EdgeKind.Slot);
    const fin = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({ node: fin, referent: p.ws, func: lambda });
    const [v] = analyze(p.h.snapshot()).finalize.verdicts;
    assert.equal(v.selfDefeating, true);
    assert.deepEqual(v.chain, [lambda, closure, cell, p.ws]);
  });

  test('functools.partial holding the referent is self-defeating', () => {
    const p = program();
    const partial = p.h.obj('functools.partial');
    const pargs = p.h.obj('builtins.tuple');
    p.h.ref(partial, p.cleanup, 'func', EdgeKind.Slot).ref(partial, pargs, 'args', EdgeKind.Slot);
    p.h.ref(pargs, p.ws, 0);
    const fin = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({ node: fin, referent: p.ws, func: partial });
    const [v] = analyze(p.h.snapshot()).finalize.verdicts;
    assert.equal(v.selfDefeating, true);
    assert.deepEqual(v.chain, [partial, pargs, p.ws]);
  });

  test('the referent among the args or kwargs is self-defeating', () => {
    const p = program();
    const args = p.h.obj('builtins.tuple');
    p.h.ref(args, p.ws, 0);
    const kwargs = p.h.obj('builtins.dict');
    p.h.ref(kwargs, p.ws, 'ws', EdgeKind.StrKey);
    const empty = p.h.obj('builtins.tuple', { tracked: false });
    const f1 = p.h.obj('weakref.finalize', { external: 1 });
    const f2 = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({ node: f1, referent: p.ws, func: p.cleanup, args });
    p.h.finalize({ node: f2, referent: p.ws, func: p.cleanup, args: empty, kwargs });
    const [v1, v2] = analyze(p.h.snapshot()).finalize.verdicts;
    assert.equal(v1.via, 'args');
    assert.deepEqual(v1.chain, [args, p.ws]);
    assert.equal(v2.via, 'kwargs');
    assert.deepEqual(v2.chain, [kwargs, p.ws]);
  });

  test('a module-level function with a str argument is not self-defeating', () => {
    const p = program();
    const args = p.h.obj('builtins.tuple', { tracked: false });
    p.h.ref(args, p.path, 0);
    const f1 = p.h.obj('weakref.finalize', { external: 1 });
    const f2 = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({ node: f1, referent: p.ws, func: p.rmtree, args, funcName: 'shutil.rmtree' });
    p.h.finalize({ node: f2, referent: p.ws, func: p.cleanup, args });
    const a = analyze(p.h.snapshot());
    assert.deepEqual(
      a.finalize.verdicts.map((v) => [v.selfDefeating, v.via, v.chain]),
      [
        [false, null, []],
        [false, null, []],
      ],
    );
    assert.equal(a.finalize.selfDefeating, 0);
  });

  test('willFire: the referent is freed by the next full collection', () => {
    const h = new HeapBuilder();
    const dead = h.obj('__main__.Workspace');
    h.ref(dead, dead, 'self');
    const alive = h.obj('__main__.Workspace', { external: 1 });
    const fn = h.obj('builtins.function', { name: 'cleanup', external: 1 });
    const f1 = h.obj('weakref.finalize', { external: 1 });
    const f2 = h.obj('weakref.finalize', { external: 1 });
    const f3 = h.obj('weakref.finalize', { external: 1 });
    h.finalize({ node: f1, referent: dead, func: fn });
    h.finalize({ node: f2, referent: alive, func: fn });
    h.finalize({ node: f3, referent: -1, func: fn });
    const a = analyze(h.snapshot());
    assert.deepEqual(
      a.finalize.verdicts.map((v) => [v.willFire, v.selfDefeating]),
      [
        [true, false],
        [false, false],
        [false, false],
      ],
    );
    assert.equal(a.finalize.willFire, 1);
  });
});
