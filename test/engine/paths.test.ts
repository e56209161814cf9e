import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { RootPaths, shortestPathFromRoots } from '../../server/engine/paths';
import { HeapBuilder } from '../helpers/heapBuilder';
import { smallProgram } from '../helpers/sampleHeaps';

describe('shortest path from roots', () => {
  test('follows the shortest chain of strong references', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    // globals['cb'] directly, not globals['w'] → __callback__.
    assert.deepEqual(shortestPathFromRoots(snap, p.cb), [
      { node: p.main, edge: -1, edgeLabel: "sys.modules['__main__']" },
      { node: p.globals, edge: 0, edgeLabel: '__dict__' },
      { node: p.cb, edge: 1, edgeLabel: "['cb']" },
    ]);
  });

  test('a root is a one-step path; garbage and weakly held objects have none', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    assert.deepEqual(shortestPathFromRoots(snap, p.x), [
      { node: p.x, edge: -1, edgeLabel: 'local x' },
    ]);
    assert.deepEqual(shortestPathFromRoots(snap, p.frame), [
      { node: p.frame, edge: -1, edgeLabel: 'paused frame' },
    ]);
    assert.equal(shortestPathFromRoots(snap, p.a), null); // garbage
    assert.equal(shortestPathFromRoots(snap, p.r), null); // only weakly referenced by w
    assert.equal(shortestPathFromRoots(snap, p.fin), null); // held from C only
    assert.equal(shortestPathFromRoots(snap, 999), null);
  });

  test('one search answers many questions', () => {
    const h = new HeapBuilder();
    const t = h.obj('builtins.frame');
    const mod = h.obj('builtins.module', { name: 'app' });
    const chain = Array.from({ length: 5 }, () => h.obj('__main__.Node'));
    h.ref(mod, chain[0], 'head').ref(chain[0], chain[1], 'next').ref(chain[1], chain[2], 'next');
    h.ref(chain[2], chain[3], 'next').ref(chain[3], chain[4], 'next');
    h.ref(t, chain[3], 'node', EdgeKind.Local);
    h.root(RootKind.Thread, t, 'Worker-1').module(mod, 'app');
    const paths = new RootPaths(h.snapshot());
    const labels = (v: number) => paths.pathTo(v)?.map((s) => s.edgeLabel);
    assert.deepEqual(labels(chain[4]), ['thread Worker-1', 'node', '.next']);
    assert.deepEqual(labels(chain[2]), ["sys.modules['app']", '.head', '.next', '.next']);
    assert.equal(paths.reachable(chain[1]), true);
  });

  test('a 1,000,000-object chain, iteratively', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'deep' });
    h.module(mod, 'deep');
    let prev = mod;
    for (let i = 0; i < 1_000_000; i++) {
      const v = h.obj('__main__.Node');
      h.ref(prev, v, 'next');
      prev = v;
    }
    const path = shortestPathFromRoots(h.snapshot(), prev);
    assert.equal(path?.length, 1_000_001);
    assert.equal(path?.[1_000_000].node, prev);
  });
});
