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
  test('modules and module dicts are barriers; classes are not', () => {
    const p = program();
    const barrier = barrierNodes(p.h.snapshot());
    const set = [...barrier.keys()].filter((v) => barrier[v] === 1);
    // main, globals, shutil, shutilGlobals
    assert.deepEqual(set, [p.main, p.globals, 2, 3]);
  });

  test('a bound method of an instance whose class holds the referent is self-defeating', () => {
    // weakref.finalize(s, bind_model(s).flush): bind_model makes a class per session with
    // `session = s` as a class attribute and returns an instance.
    const p = program();
    const session = p.h.obj('__main__.Session');
    const model = p.h.obj('builtins.type', { name: 'Model' });
    const modelDict = p.h.obj('builtins.dict');
    const flush = p.h.obj('builtins.function', { name: 'bind_model.<locals>.flush' });
    const instance = p.h.obj('__main__.bind_model.<locals>.Model');
    const bound = p.h.obj('builtins.method');
    p.h.ref(p.globals, session, 's', EdgeKind.StrKey);
    p.h.ref(model, modelDict, '__dict__', EdgeKind.Slot);
    p.h
      .ref(modelDict, session, 'session', EdgeKind.StrKey)
      .ref(modelDict, flush, 'flush', EdgeKind.StrKey);
    p.h.ref(flush, p.globals, '__globals__', EdgeKind.Slot);
    p.h.ref(instance, model, '__class__', EdgeKind.Slot);
    p.h
      .ref(bound, flush, '__func__', EdgeKind.Slot)
      .ref(bound, instance, '__self__', EdgeKind.Slot);
    const fin = p.h.obj('weakref.finalize', { external: 1 });
    p.h.finalize({
      node: fin,
      referent: session,
      func: bound,
      funcName: 'bind_model.<locals>.flush',
    });
    const snap = p.h.snapshot();
    const [v] = analyze(snap).finalize.verdicts;
    assert.equal(v.selfDefeating, true);
    assert.equal(v.via, 'func');
    assert.deepEqual(v.chain, [bound, instance, model, modelDict, session]);
    assert.deepEqual(
      v.chainEdges.map((e) => snap.edgeLabel(e)),
      ['__self__', '__class__', '__dict__', "['session']"],
    );
  });

  test('the finalize registry is a barrier: another entry’s callback is not this one’s', () => {
    // weakref.finalize(s, s.close) and weakref.finalize(s, h.done) where h holds a finalize
    // object: h → finalize → its class → _registry → the first entry's bound method → s. The
    // second callback does not hold s; the registry does, through the first.
    const p = program();
    const s = p.h.obj('__main__.Workspace');
    const finalizeClass = p.h.obj('builtins.type', { name: 'finalize' });
    const classDict = p.h.obj('builtins.dict');
    const registry = p.h.obj('builtins.dict');
    const f1 = p.h.obj('weakref.finalize');
    const f2 = p.h.obj('weakref.finalize');
    const info1 = p.h.obj('weakref._Info');
    const info2 = p.h.obj('weakref._Info');
    const close = p.h.obj('builtins.method');
    const h = p.h.obj('__main__.Handler');
    const done = p.h.obj('builtins.method');
    p.h.ref(p.globals, s, 's', EdgeKind.StrKey);
    p.h.ref(finalizeClass, classDict, '__dict__', EdgeKind.Slot);
    p.h.ref(classDict, registry, '_registry', EdgeKind.StrKey);
    for (const [f, info] of [
      [f1, info1],
      [f2, info2],
    ]) {
      p.h.ref(registry, f, '<weakref.finalize>', EdgeKind.KeyObject);
      p.h.ref(registry, info, '<weakref.finalize>', EdgeKind.OtherKey);
      p.h.ref(f, finalizeClass, '__class__', EdgeKind.Slot);
    }
    p.h.ref(info1, close, 'func').ref(close, s, '__self__', EdgeKind.Slot);
    p.h.ref(info2, done, 'func').ref(done, h, '__self__', EdgeKind.Slot);
    p.h.ref(h, f2, '_finalizer');
    p.h.finalize({ node: f1, referent: s, func: close, funcName: 'Workspace.close' });
    p.h.finalize({ node: f2, referent: s, func: done, funcName: 'Handler.done' });
    const snap = p.h.snapshot();
    assert.equal(barrierNodes(snap)[registry], 1);
    const [v1, v2] = analyze(snap).finalize.verdicts;
    assert.deepEqual([v1.selfDefeating, v2.selfDefeating], [true, false]);
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
