/**
 * `# heap-inspector: ignore[HI001,HI004]` (or bare `# heap-inspector: ignore`) on a diagnostic's
 * line silences it; on a `def`/`class` header it silences the whole body.
 */
import { field, kids, walk, type Node } from './ast';
import { isRuleCode } from './settings';
import type { Position, RuleCode } from './types';

const DIRECTIVE = /#\s*heap-inspector\s*:\s*ignore\b(?:\s*\[([^\]]*)\])?/i;

/** Codes a directive silences; `'all'` for the bare form. */
export type Silenced = Set<RuleCode> | 'all';

export function parseDirective(comment: string): Silenced | null {
  const m = DIRECTIVE.exec(comment);
  if (!m) return null;
  if (m[1] === undefined) return 'all';
  const codes = new Set<RuleCode>();
  for (const part of m[1].split(',')) {
    const code = part.trim().toUpperCase();
    if (isRuleCode(code)) codes.add(code);
  }
  return codes;
}

export class Suppressions {
  /** Row → codes silenced by a directive comment on that row. */
  private readonly byRow = new Map<number, Silenced>();

  constructor(private readonly root: Node) {
    walk(
      root,
      (n) => {
        if (n.type !== 'comment') return;
        const s = parseDirective(n.text);
        if (!s) return;
        const row = n.startPosition.row;
        const prev = this.byRow.get(row);
        if (prev === 'all' || s === 'all') this.byRow.set(row, 'all');
        else this.byRow.set(row, new Set([...(prev ?? []), ...s]));
      },
      { intoScopes: true },
    );
  }

  get empty(): boolean {
    return this.byRow.size === 0;
  }

  private rowSilences(row: number, code: RuleCode): boolean {
    const s = this.byRow.get(row);
    return s === 'all' || (s !== undefined && s.has(code));
  }

  isSuppressed(code: RuleCode, start: Position): boolean {
    if (this.empty) return false;
    if (this.rowSilences(start.line, code)) return true;
    const point = { row: start.line, column: start.character };
    for (let n: Node | null = this.root.descendantForPosition(point); n; n = n.parent) {
      if (n.type !== 'function_definition' && n.type !== 'class_definition') continue;
      const owner = n.parent?.type === 'decorated_definition' ? n.parent : n;
      const colon = kids(n).find((c) => c.type === ':');
      const last =
        colon?.startPosition.row ?? field(n, 'name')?.startPosition.row ?? n.startPosition.row;
      for (let row = owner.startPosition.row; row <= last; row++) {
        if (this.rowSilences(row, code)) return true;
      }
    }
    return false;
  }
}
