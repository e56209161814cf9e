/** Text-edit helpers for quick fixes. Edits are pure data; `applyEdits` applies them. */
import { field, kids, namedKids, type Node } from './ast';
import type { LintContext } from './context';
import type { Position, Range, TextEdit } from './types';

let cachedText: string | null = null;
let cachedStarts: number[] = [];

/** Offsets where each line of `text` starts (cached for the last text seen). */
function lineStarts(text: string): number[] {
  if (text !== cachedText) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    cachedText = text;
    cachedStarts = starts;
  }
  return cachedStarts;
}

/** UTF-16 offset of an LSP position in `text`. */
export function offsetAt(text: string, pos: Position): number {
  const starts = lineStarts(text);
  if (pos.line >= starts.length) return text.length;
  return Math.min(starts[pos.line] + pos.character, text.length);
}

/** Applies non-overlapping edits (in any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const resolved = edits
    .map((e) => ({
      start: offsetAt(text, e.range.start),
      end: offsetAt(text, e.range.end),
      newText: e.newText,
    }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of resolved) {
    if (e.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

export function pointOf(node: Node, end = false): Position {
  const p = end ? node.endPosition : node.startPosition;
  return { line: p.row, character: p.column };
}

export function insertAt(pos: Position, newText: string): TextEdit {
  return { range: { start: pos, end: pos }, newText };
}

export function replaceNode(node: Node, newText: string): TextEdit {
  return { range: { start: pointOf(node), end: pointOf(node, true) }, newText };
}

export function replaceRange(range: Range, newText: string): TextEdit {
  return { range, newText };
}

/** Leading whitespace of row `row`. */
export function lineIndent(text: string, row: number): string {
  const start = offsetAt(text, { line: row, character: 0 });
  const m = /^[ \t]*/.exec(text.slice(start, start + 200));
  return m ? m[0] : '';
}

/** Statements of a block, without comments. */
export function statements(block: Node | null): Node[] {
  return block ? namedKids(block).filter((c) => c.type !== 'comment') : [];
}

/**
 * Indentation of a block's statements, or null when the block shares its header's line
 * (`def f(): pass`), where inserting statements is not safe.
 */
export function blockIndent(ctx: LintContext, owner: Node, block: Node | null): string | null {
  const first = statements(block)[0];
  if (!first || first.startPosition.row === owner.startPosition.row) return null;
  const indent = lineIndent(ctx.text, first.startPosition.row);
  return indent.length === first.startPosition.column ? indent : null;
}

/** One indentation step, guessed from a block relative to its owner. */
export function indentUnit(ctx: LintContext, owner: Node, block: Node | null): string {
  const inner = blockIndent(ctx, owner, block);
  const outer = lineIndent(ctx.text, owner.startPosition.row);
  if (inner && inner.startsWith(outer) && inner.length > outer.length) {
    return inner.slice(outer.length);
  }
  return '    ';
}

/**
 * Where to insert after statement `stmt`: the end of its last line when only a comment follows it
 * there, else right after the statement.
 */
export function afterStatement(ctx: LintContext, stmt: Node): Position {
  const end = pointOf(stmt, true);
  const lineStart = offsetAt(ctx.text, { line: end.line, character: 0 });
  const nl = ctx.text.indexOf('\n', lineStart);
  const line = ctx.text.slice(lineStart, nl < 0 ? ctx.text.length : nl).replace(/\r$/, '');
  const rest = line.slice(end.character);
  return /^\s*(#.*)?$/.test(rest) ? { line: end.line, character: line.length } : end;
}

/** Where to insert after the last statement of a block (see `afterStatement`). */
export function blockEnd(ctx: LintContext, block: Node): Position {
  return afterStatement(ctx, statements(block).at(-1) ?? block);
}

/** A name not in `taken`: `base`, then `base_2`, `base_3`, … */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

export const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield match case type'
  ).split(' '),
);

/**
 * How to spell `weakref.finalize` in this file, plus the edit that adds `import weakref` when the
 * module is not imported yet.
 */
export function weakrefFinalize(ctx: LintContext): { spelling: string; edits: TextEdit[] } {
  for (const [alias, target] of ctx.imports) {
    if (target === 'weakref.finalize' && ctx.importedNames.has(alias)) {
      return { spelling: alias, edits: [] };
    }
  }
  for (const [alias, target] of ctx.imports) {
    if (target === 'weakref' && ctx.importedNames.has(alias)) {
      return { spelling: `${alias}.finalize`, edits: [] };
    }
  }
  return { spelling: 'weakref.finalize', edits: [insertImport(ctx, 'import weakref')] };
}

/** Inserts a top-level import statement after the docstring and `__future__` imports. */
export function insertImport(ctx: LintContext, line: string): TextEdit {
  const top = namedKids(ctx.root).filter((c) => c.type !== 'comment');
  let i = 0;
  if (
    top[0]?.type === 'expression_statement' &&
    namedKids(top[0])[0]?.type === 'string' &&
    namedKids(top[0]).length === 1
  ) {
    i = 1;
  }
  while (
    top[i]?.type === 'future_import_statement' ||
    (top[i]?.type === 'import_from_statement' &&
      field(top[i], 'module_name')?.text === '__future__')
  ) {
    i++;
  }
  const anchor = top[i];
  if (!anchor) {
    const prev = top[i - 1];
    if (!prev) return insertAt({ line: 0, character: 0 }, `${line}\n`);
    return insertAt(pointOf(prev, true), `\n${line}`);
  }
  const isImport = anchor.type === 'import_statement' || anchor.type === 'import_from_statement';
  return insertAt(
    { line: anchor.startPosition.row, character: 0 },
    isImport ? `${line}\n` : `${line}\n\n\n`,
  );
}

/** `self` in `self.x` → the attribute node, when the chain starts at identifier `name`. */
export function isAttrOf(node: Node, name: string): boolean {
  if (node.type !== 'attribute') return false;
  const obj = field(node, 'object');
  return obj?.type === 'identifier' && obj.text === name;
}

/** Does a def's body start on a line of its own? */
export function hasOwnBodyLines(def: Node): boolean {
  const body = field(def, 'body');
  const first = statements(body)[0];
  return !!first && first.startPosition.row > def.startPosition.row;
}

/** The `:` token ending a compound statement header. */
export function headerColon(node: Node): Node | null {
  return kids(node).find((c) => c.type === ':') ?? null;
}
