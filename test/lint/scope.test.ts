/**
 * The scope walker (server/lint/scope.ts): the names a module and a function bind, as the rules
 * (HI004, HI005, HI006, the quick fixes) and the hover's "is this a local?" see them. The two
 * walks differ only where Python gives an expression its own scope (comprehensions, lambdas):
 * a function's walk counts their variables as its own (a finalizer that reads them reads no
 * global), the module's does not (they are not module globals).
 *
 *   node --import tsx --test test/lint/scope.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walk, field, type Node } from '../../server/lint/ast';
import { parsePython } from '../../server/lint/parser';
import { localNames, moduleNames } from '../../server/lint/scope';
import { mirror } from '../../server/lint/tree';

const sorted = (s: Set<string>) => [...s].sort();

async function root(source: string): Promise<Node> {
  const parsed = await parsePython(source);
  try {
    return mirror(parsed.tree, parsed.text);
  } finally {
    parsed.tree.delete();
  }
}

async function fn(source: string, name: string): Promise<Node> {
  let found: Node | null = null;
  walk(
    await root(source),
    (n) => {
      if (n.type === 'function_definition' && field(n, 'name')?.text === name) found = n;
    },
    { intoScopes: true },
  );
  assert.ok(found, `no def ${name}`);
  return found;
}

const MODULE = `
import os, os.path as osp
from pkg.mod import a, b as c
from . import sibling
x = 1
y: int
(p, [q, *r]) = t
n += 1
for i, j in pairs:
    pass
with open(f) as handle:
    pass
try:
    pass
except ValueError as err:
    pass
if (w := compute()):
    pass
squares = [s * s for s in range(3)]
gen = (g for g in data)
fun = lambda la, lb=1: la
def f(param):
    global G, H
    G = 1
    local = 2
    nonlocal_like = [v for v in param]
class K:
    attr = 1
del x
`;

test('module: what the module binds, and which of those an import binds', async () => {
  const names = moduleNames(await root(MODULE));
  assert.deepEqual(sorted(names.bound), [
    'G',
    'H',
    'K',
    'a',
    'c',
    'err',
    'f',
    'fun',
    'gen',
    'handle',
    'i',
    'j',
    'n',
    'os',
    'osp',
    'p',
    'q',
    'r',
    'sibling',
    'squares',
    'w',
    'x',
    'y',
  ]);
  assert.deepEqual(sorted(names.imported), ['a', 'c', 'os', 'osp', 'sibling']);
});

test('module: comprehension variables and lambda parameters are not module names', async () => {
  const names = moduleNames(await root(MODULE));
  for (const name of ['s', 'g', 'la', 'lb', 'v', 'local', 'param', 'attr']) {
    assert.ok(!names.bound.has(name), `${name} is not bound at module level`);
  }
});

const FUNCTION = `
def finalizer(self, a, /, b=1, *args, c: int = 2, d, **kwargs):
    import shutil
    from os import path as p
    global G
    nonlocal_name = None
    G = 3
    x = y = 0
    for k, v in items:
        pass
    total = sum(e for e in things)
    keyed = {kk: vv for kk, vv in pairs}
    call = lambda la, *lrest: la
    if (w := get()):
        pass
    with lock as held:
        pass
    def helper(inner):
        hidden = 1
    class Local:
        member = 2
    try:
        pass
    except OSError as error:
        pass
    return [q for q in x]
`;

test('function: parameters, its own bindings, comprehension and lambda variables; `global` names are not local', async () => {
  const { locals, globals } = localNames(await fn(FUNCTION, 'finalizer'));
  assert.deepEqual(sorted(locals), [
    'Local',
    'a',
    'args',
    'b',
    'c',
    'call',
    'd',
    'e',
    'error',
    'held',
    'helper',
    'k',
    'keyed',
    'kk',
    'kwargs',
    'la',
    'lrest',
    'nonlocal_name',
    'p',
    'q',
    'self',
    'shutil',
    'total',
    'v',
    'vv',
    'w',
    'x',
    'y',
  ]);
  assert.deepEqual(sorted(globals), ['G']);
});

test('function: a nested def binds its name, not what it binds inside', async () => {
  const { locals } = localNames(await fn(FUNCTION, 'finalizer'));
  for (const name of ['inner', 'hidden', 'member', 'G']) {
    assert.ok(!locals.has(name), `${name} is not a local of finalizer`);
  }
  const helper = localNames(await fn(FUNCTION, 'helper'));
  assert.deepEqual(sorted(helper.locals), ['hidden', 'inner']);
});
