/**
 * A plain-JavaScript copy of a tree-sitter tree. The rules walk the tree many times; reading each
 * node through web-tree-sitter's wasm bindings is slow, so the tree is copied once with a cursor.
 */
import type { Point, Tree } from 'web-tree-sitter';

export class SyntaxNode {
  parent: SyntaxNode | null = null;
  readonly children: SyntaxNode[] = [];
  /** Field name of each child (parallel to `children`). */
  readonly fields: Array<string | null> = [];
  private named: SyntaxNode[] | null = null;
  /** Index of this node in `parent.children`. */
  index = 0;
  hasError = false;

  constructor(
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly startPosition: Point,
    readonly endPosition: Point,
    private readonly source: string,
  ) {}

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

  get namedChildren(): SyntaxNode[] {
    this.named ??= this.children.filter((c) => c.isNamed);
    return this.named;
  }

  childForFieldName(name: string): SyntaxNode | null {
    const i = this.fields.indexOf(name);
    return i < 0 ? null : this.children[i];
  }

  childrenForFieldName(name: string): SyntaxNode[] {
    return this.children.filter((_, i) => this.fields[i] === name);
  }

  get previousSibling(): SyntaxNode | null {
    return this.parent?.children[this.index - 1] ?? null;
  }

  get nextSibling(): SyntaxNode | null {
    return this.parent?.children[this.index + 1] ?? null;
  }

  /** The smallest node that contains `point`. */
  descendantForPosition(point: Point): SyntaxNode {
    const before = (a: Point, b: Point) =>
      a.row < b.row || (a.row === b.row && a.column <= b.column);
    const inner = (node: SyntaxNode): SyntaxNode => {
      const next = node.children.find(
        (c) => before(c.startPosition, point) && before(point, c.endPosition),
      );
      return next ? inner(next) : node;
    };
    return inner(this);
  }

  toString(): string {
    const inner = this.namedChildren.map((c) => {
      const f = this.fields[this.children.indexOf(c)];
      return (f ? `${f}: ` : '') + c.toString();
    });
    return `(${this.isMissing ? 'MISSING ' : ''}${this.type}${inner.length ? ' ' + inner.join(' ') : ''})`;
  }
}

/** Copies `tree` (parsed from `source`) into `SyntaxNode`s. */
export function mirror(tree: Tree, source: string): SyntaxNode {
  const cursor = tree.walk();
  let nextId = 0;
  const make = () =>
    new SyntaxNode(
      nextId++,
      cursor.nodeType,
      cursor.nodeIsNamed,
      cursor.nodeIsMissing,
      cursor.startIndex,
      cursor.endIndex,
      cursor.startPosition,
      cursor.endPosition,
      source,
    );
  const root = make();
  const stack: SyntaxNode[] = [root];
  try {
    if (cursor.gotoFirstChild()) {
      for (;;) {
        const parent = stack[stack.length - 1];
        const node = make();
        node.parent = parent;
        node.index = parent.children.length;
        parent.children.push(node);
        parent.fields.push(cursor.currentFieldName);
        if (cursor.gotoFirstChild()) {
          stack.push(node);
          continue;
        }
        node.hasError = node.type === 'ERROR' || node.isMissing;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) return root;
          const done = stack.pop() as SyntaxNode;
          done.hasError =
            done.type === 'ERROR' || done.isMissing || done.children.some((c) => c.hasError);
          if (stack.length === 0) return root;
        }
      }
    }
    return root;
  } finally {
    root.hasError = root.type === 'ERROR' || root.children.some((c) => c.hasError);
    cursor.delete();
  }
}
