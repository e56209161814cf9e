/**
 * `__del__ = None`: CPython still gives the class a finalizer, which raises TypeError when the
 * collector runs it. Such objects are pending finalizers, and the summary and its text say that
 * they will raise. (The agent side, against the real collector: test/agent/test_del_none.py.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypeFlag } from '../../protocol/snapshot';
import { summarize } from '../../server/engine/summary';
import { summaryText } from '../../cli/summaryText';
import { HeapBuilder } from '../helpers/heapBuilder';

describe('__del__ = None', () => {
  test('counted as a pending finalizer, and said to raise', () => {
    const h = new HeapBuilder();
    h.type('__main__.DelNone', {
      flags: TypeFlag.HasFinalizer | TypeFlag.HeapType | TypeFlag.DelIsNone,
    });
    h.type('__main__.Res', {
      flags: TypeFlag.HasFinalizer | TypeFlag.HeapType | TypeFlag.PythonDel,
    });
    for (const name of ['__main__.DelNone', '__main__.DelNone', '__main__.Res']) {
      const v = h.obj(name);
      h.ref(v, v, 'me');
    }
    const s = summarize(h.snapshot());
    assert.deepEqual(s.finalizers.del, {
      count: 3,
      byType: { '__main__.DelNone': 2, '__main__.Res': 1 },
    });
    assert.deepEqual(s.finalizers.delIsNone, { count: 2, byType: { '__main__.DelNone': 2 } });
    const text = summaryText(s);
    assert.match(
      text,
      /finalizers that run when they are freed: 3 \(2 __main__\.DelNone, 1 __main__\.Res\)/,
    );
    assert.match(text, /of which 2 raise TypeError \(__del__ = None: .*\): 2 __main__\.DelNone/);
  });

  test('absent when no pending finalizer is bound to None', () => {
    const h = new HeapBuilder();
    h.type('__main__.DelNone', {
      flags: TypeFlag.HasFinalizer | TypeFlag.HeapType | TypeFlag.DelIsNone,
    });
    const v = h.obj('__main__.DelNone', { external: 1 });
    h.ref(v, v, 'me');
    const s = summarize(h.snapshot());
    assert.equal(s.finalizers.delIsNone, undefined);
    assert.doesNotMatch(summaryText(s), /raise TypeError/);
  });
});
