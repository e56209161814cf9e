/**
 * What the live facts need to know about a Python document's structure: its classes and
 * functions with their Python `__qualname__` (`Pool`, `Pool.get`, `make.<locals>.Local`), where
 * they are, and the name or attribute chain under a position (`pool`, `self.conn`). Parsed with
 * the lint rules' error-tolerant tree-sitter parse, so a syntax error elsewhere in the file does
 * not hide anything.
 */
import { parsePython } from '../lint/parser';
import { mirror, type SyntaxNode } from '../lint/tree';
import type { Position, Range } from '../lint/types';

export interface OutlineScope {
  kind: 'class' | 'function';
  name: string;
  /** Python's `__qualname__`: `Outer.Inner`, `Pool.get`, `make.<locals>.Local`. */
  qualname: string;
  /** The `def`/`class` statement (decorators excluded). */
  range: Range;
  /** The name after `def`/`class`. */
  nameRange: Range;
  /** The enclosing scope, or null at module level. */
  parent: OutlineScope | null;
  /** The parse tree node of the definition. */
  node: SyntaxNode;
}

/** A name or a chain of attributes under the cursor: `pool`, `self.conn.sock`. */
export interface ExpressionAt {
  /** `['self', 'conn']` when the cursor is on `conn` of `self.conn.sock`. */
  parts: string[];
  text: string;
  /** The hovered identifier. */
  range: Range;
}

function rangeOf(n: SyntaxNode): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

export function containsPosition(range: Range, p: Position): boolean {
  const afterStart =
    p.line > range.start.line ||
    (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd =
    p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

function lineWithin(range: Range, line: number): boolean {
  return line >= range.start.line && line <= range.end.line;
}

export class DocumentOutline {
  readonly scopes: OutlineScope[] = [];

  private constructor(private readonly root: SyntaxNode) {
    this.collect(root, null);
  }

  static async parse(text: string): Promise<DocumentOutline> {
    const parsed = await parsePython(text);
    try {
      return new DocumentOutline(mirror(parsed.tree, parsed.text));
    } finally {
      parsed.tree.delete();
    }
  }

  private collect(node: SyntaxNode, parent: OutlineScope | null): void {
    for (const child of node.children) {
      if (child.type === 'class_definition' || child.type === 'function_definition') {
        const nameNode = child.childForFieldName('name');
        if (!nameNode) {
          this.collect(child, parent);
          continue;
        }
        const name = nameNode.text;
        const prefix =
          parent === null
            ? ''
            : parent.kind === 'function'
              ? `${parent.qualname}.<locals>.`
              : `${parent.qualname}.`;
        const scope: OutlineScope = {
          kind: child.type === 'class_definition' ? 'class' : 'function',
          name,
          qualname: prefix + name,
          range: rangeOf(child),
          nameRange: rangeOf(nameNode),
          parent,
          node: child,
        };
        this.scopes.push(scope);
        this.collect(child, scope);
      } else {
        this.collect(child, parent);
      }
    }
  }

  get classes(): OutlineScope[] {
    return this.scopes.filter((s) => s.kind === 'class');
  }

  /** The innermost function whose `def` statement contains the position, or null (module level or a class body). */
  functionAt(p: Position): OutlineScope | null {
    const scope = this.scopeAt(p);
    return scope?.kind === 'function' ? scope : null;
  }

  /** The innermost class or function containing the position. */
  scopeAt(p: Position): OutlineScope | null {
    let best: OutlineScope | null = null;
    for (const s of this.scopes) if (containsPosition(s.range, p)) best = s;
    return best;
  }

  /** The innermost function containing the whole of `line` whose name or qualname is `fn`. */
  functionForFrame(fn: string, line: number): OutlineScope | null {
    let best: OutlineScope | null = null;
    for (const s of this.scopes) {
      if (s.kind !== 'function' || !lineWithin(s.range, line)) continue;
      if (s.qualname === fn || s.name === fn || s.qualname.endsWith(`.${fn}`)) best = s;
    }
    return best;
  }

  /** The innermost class whose body contains the position (methods included). */
  classAt(p: Position): OutlineScope | null {
    for (let s = this.scopeAt(p); s; s = s.parent) if (s.kind === 'class') return s;
    return null;
  }

  /** The name, or the attribute chain up to the hovered attribute, under the position. */
  expressionAt(p: Position): ExpressionAt | null {
    let node = this.root.descendantForPosition({ row: p.line, column: p.character });
    // At the end of a name, the smallest node may be the one after it.
    if (node.type !== 'identifier' && p.character > 0) {
      node = this.root.descendantForPosition({ row: p.line, column: p.character - 1 });
    }
    if (node.type !== 'identifier') return null;
    const parent = node.parent;
    // Names that are not values: keyword argument names, `def`/`class` names, imports.
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name') === node) {
      return null;
    }
    if (
      (parent?.type === 'function_definition' || parent?.type === 'class_definition') &&
      parent.childForFieldName('name') === node
    ) {
      return null;
    }
    if (parent && /import/.test(parent.type)) return null;
    const parts: string[] = [];
    let chain: SyntaxNode = node;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute') === node) {
      chain = parent;
    }
    const flatten = (n: SyntaxNode): boolean => {
      if (n.type === 'identifier') {
        parts.push(n.text);
        return true;
      }
      if (n.type === 'attribute') {
        const obj = n.childForFieldName('object');
        const attr = n.childForFieldName('attribute');
        if (!obj || !attr || !flatten(obj)) return false;
        parts.push(attr.text);
        return true;
      }
      return false;
    };
    if (!flatten(chain)) return null;
    return { parts, text: parts.join('.'), range: rangeOf(node) };
  }
}
