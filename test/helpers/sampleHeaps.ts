/** Hand-built heaps shared by engine tests. */
import { EdgeKind, TypeFlag } from '../../protocol/snapshot';
import { HeapBuilder } from './heapBuilder';

/**
 * A small program paused in `main` at line 12:
 *
 *   __main__ (module) → globals: cb, w = weakref(r, cb), d (dead weakref), cleanup
 *   paused frame `main`, local x = 'hello'
 *   garbage: a ⇄ b (gen 0), L = [a] (gen 2), r ↺ (gen 1, has __del__)
 *   weakref.finalize(a, cleanup)
 */
export function smallProgram() {
  const h = new HeapBuilder();
  h.type('__main__.Res', { flags: TypeFlag.HasFinalizer | TypeFlag.PythonDel | TypeFlag.HeapType });
  const main = h.obj('builtins.module', { name: '__main__' }); // 0
  const globals = h.obj('builtins.dict'); // 1
  const frame = h.obj('builtins.frame', { gen: 0 }); // 2
  const a = h.obj('__main__.Node', { gen: 0 }); // 3
  const b = h.obj('__main__.Node', { gen: 0 }); // 4
  const list = h.obj('builtins.list'); // 5
  const r = h.obj('__main__.Res', { gen: 1 }); // 6
  const cb = h.obj('builtins.function', { name: 'on_gone' }); // 7
  const w = h.obj('builtins.weakref'); // 8
  const dead = h.obj('builtins.weakref'); // 9
  const fin = h.obj('weakref.finalize', { external: 1 }); // 10
  const cleanup = h.obj('builtins.function', { name: 'cleanup' }); // 11
  const x = h.obj('builtins.str', { name: 'hello' }); // 12
  h.module(main, '__main__').pausedFrame(frame, 'main', 12).local(frame, x, 'x');
  h.ref(main, globals, '__dict__', EdgeKind.Slot);
  h.ref(globals, cb, 'cb', EdgeKind.StrKey).ref(globals, w, 'w', EdgeKind.StrKey);
  h.ref(globals, dead, 'd', EdgeKind.StrKey).ref(globals, cleanup, 'cleanup', EdgeKind.StrKey);
  h.ref(cleanup, globals, '__globals__', EdgeKind.Slot);
  // The list holds itself too: an object nothing refers to would already have been freed.
  h.ref(a, b, 'next').ref(b, a, 'next').ref(list, a, 0).ref(list, list, 1).ref(r, r, 'me');
  h.weakref(w, r, cb).weakref(dead, -1);
  h.finalize({ node: fin, referent: a, func: cleanup, funcName: 'cleanup' });
  h.warn('attribute names of managed dicts are unavailable on this Python');
  return { h, main, globals, frame, a, b, list, r, cb, w, dead, fin, cleanup, x };
}
