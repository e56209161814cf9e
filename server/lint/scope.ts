/**
 * The names a scope binds: a module's (LintContext.moduleNames, for HI004 and HI006 and the quick
 * fixes) and a function's (HI004, HI005, and the hover's "is this name a local?").
 *
 * One walk with one switch. The module's and the function's differ only where Python gives an
 * expression a scope of its own: a comprehension's variables and a lambda's parameters are not
 * module globals, but a finalizer that reads them reads nothing from the module, so a function's
 * walk counts them as its own.
 */
import { boundNames, field, namedKids, parameterNames, walk, type Node } from './ast';

export interface ScopeNames {
  /** Definitions, classes, imports, assignment, loop, walrus and `as` targets. */
  bound: Set<string>;
  /** Of `bound`, the names an import binds. */
  imported: Set<string>;
  /** Names the scope's own `global` statements declare. */
  declaredGlobal: Set<string>;
}

/**
 * The names the statements of `block` (a module, or a function's body) bind, not looking into
 * nested definitions; with `expressionScopes`, also comprehension variables and lambda
 * parameters (and what their bodies bind).
 */
export function namesBoundIn(block: Node, expressionScopes: boolean): ScopeNames {
  const bound = new Set<string>();
  const imported = new Set<string>();
  const declaredGlobal = new Set<string>();
  const bind = (target: Node | null) => {
    if (target) for (const id of boundNames(target)) bound.add(id.text);
  };
  const bindImport = (id: string | undefined) => {
    if (!id) return;
    bound.add(id);
    imported.add(id);
  };
  walk(block, (n) => {
    switch (n.type) {
      case 'function_definition':
      case 'class_definition':
        if (n.id === block.id) return undefined;
        bind(field(n, 'name'));
        return false;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement':
        bind(field(n, 'left'));
        return undefined;
      case 'for_in_clause':
        if (expressionScopes) bind(field(n, 'left'));
        return undefined;
      case 'named_expression':
        bind(field(n, 'name'));
        return undefined;
      case 'as_pattern_target':
        bind(n);
        return undefined;
      case 'import_statement':
        for (const item of namedKids(n)) {
          bindImport(
            item.type === 'aliased_import' ? field(item, 'alias')?.text : namedKids(item)[0]?.text,
          );
        }
        return false;
      case 'import_from_statement':
        for (const item of n.childrenForFieldName('name')) {
          if (!item) continue;
          bindImport(
            item.type === 'aliased_import'
              ? field(item, 'alias')?.text
              : namedKids(item).at(-1)?.text,
          );
        }
        return false;
      case 'global_statement':
        for (const id of namedKids(n)) declaredGlobal.add(id.text);
        return false;
      case 'nonlocal_statement':
        return false;
      case 'lambda':
        if (!expressionScopes) return false;
        for (const p of parameterNames(field(n, 'parameters'))) bound.add(p);
        return undefined;
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        return expressionScopes ? undefined : false;
      default:
        return undefined;
    }
  });
  return { bound, imported, declaredGlobal };
}

/**
 * A function's own names: its parameters and what its body binds (comprehension and lambda
 * variables included), less the names it declares `global`, which are listed apart.
 */
export function localNames(fn: Node): { locals: Set<string>; globals: Set<string> } {
  const locals = new Set(parameterNames(field(fn, 'parameters')));
  const body = field(fn, 'body');
  const globals = new Set<string>();
  if (body) {
    const names = namesBoundIn(body, true);
    for (const name of names.bound) locals.add(name);
    for (const name of names.declaredGlobal) globals.add(name);
  }
  for (const g of globals) locals.delete(g);
  return { locals, globals };
}

/**
 * The module's names: what its statements bind, plus every name a function anywhere in it
 * declares `global` (assigning it there makes it module-level too).
 */
export function moduleNames(root: Node): { bound: Set<string>; imported: Set<string> } {
  const { bound, imported } = namesBoundIn(root, false);
  walk(
    root,
    (n) => {
      if (n.type === 'global_statement') {
        for (const id of namedKids(n)) bound.add(id.text);
      }
    },
    { intoScopes: true },
  );
  return { bound, imported };
}
