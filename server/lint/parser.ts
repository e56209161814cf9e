/**
 * Loads web-tree-sitter and the Python grammar, and parses with syntax-error recovery.
 *
 * The two wasm files are looked up next to this module first (the esbuild bundles in dist/ get a
 * copy from scripts/build.mjs), then in `node_modules` of this directory or any parent (running
 * from source under tsx), then in `node_modules` of the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Node, Parser, Tree } from 'web-tree-sitter';

// `require`, not `import`: esbuild then picks the package's CommonJS build, which works inside the
// cjs bundles (the ESM build relies on `import.meta.url`, which is empty there).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const treeSitter = require('web-tree-sitter') as typeof import('web-tree-sitter');

const RUNTIME_WASM = { pkg: 'web-tree-sitter', file: 'tree-sitter.wasm' };
const PYTHON_WASM = { pkg: 'tree-sitter-python', file: 'tree-sitter-python.wasm' };

let wasmDirOverride: string | undefined;
let loading: Promise<Parser> | undefined;

/** Use `dir` (containing both wasm files) before any other location. Call before the first parse. */
export function setWasmDirectory(dir: string): void {
  wasmDirOverride = dir;
}

function here(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** Absolute path of one of the wasm files; throws a readable error when it is nowhere. */
export function locateWasm(wasm: { pkg: string; file: string }): string {
  const candidates: string[] = [];
  if (wasmDirOverride) candidates.push(join(wasmDirOverride, wasm.file));
  candidates.push(join(here(), wasm.file));
  for (let dir = here(); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'node_modules', wasm.pkg, wasm.file));
    if (dirname(dir) === dir) break;
  }
  candidates.push(join(process.cwd(), 'node_modules', wasm.pkg, wasm.file));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`cannot find ${wasm.file}; looked in:\n  ${candidates.join('\n  ')}`);
  }
  return found;
}

/** The shared parser (initialised once). */
export function getParser(): Promise<Parser> {
  loading ??= (async () => {
    const runtime = locateWasm(RUNTIME_WASM);
    await treeSitter.Parser.init({
      wasmBinary: readFileSync(runtime),
      locateFile: () => runtime,
    });
    const python = await treeSitter.Language.load(
      new Uint8Array(readFileSync(locateWasm(PYTHON_WASM))),
    );
    const parser = new treeSitter.Parser();
    parser.setLanguage(python);
    return parser;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** First ERROR or MISSING node in document order, or null. */
export function firstError(root: Node): Node | null {
  if (!root.hasError) return null;
  let node: Node = root;
  for (;;) {
    if (node.type === 'ERROR' || node.isMissing) return node;
    let next: Node | null = null;
    for (const child of node.children) {
      if (child && (child.hasError || child.isMissing || child.type === 'ERROR')) {
        next = child;
        break;
      }
    }
    if (!next) return node;
    node = next;
  }
}

interface LogicalLine {
  /** First and last physical row. */
  start: number;
  end: number;
  indent: number;
  /** Row where the statement group ends (deeper lines and trailing `else:`-like clauses). */
  groupEnd: number;
  /** The line's text without indentation (first row only). */
  head: string;
}

const CLAUSE = /^(elif\b|else\b|except\b|finally\b)/;
const RESET = /^(async\s+def|def|class)\s/;

/**
 * Splits Python source into logical lines (brackets, strings and backslashes join physical lines).
 * An unclosed bracket is forgiven at the next line that starts with `def`/`class`, so one typo does
 * not swallow the rest of the file.
 */
export function logicalLines(text: string): LogicalLine[] {
  const rows = text.split('\n');
  const lines: LogicalLine[] = [];
  let depth = 0;
  let triple: string | null = null;
  let continued = false;
  let current: LogicalLine | null = null;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r].replace(/\r$/, '');
    const stripped = row.trimStart();
    if (triple === null && depth > 0 && !continued && RESET.test(stripped)) depth = 0;
    const startsNew = triple === null && depth === 0 && !continued;
    if (startsNew) {
      if (stripped === '' || stripped.startsWith('#')) continue;
      let indent = 0;
      for (const ch of row) {
        if (ch === ' ') indent += 1;
        else if (ch === '\t') indent = indent - (indent % 8) + 8;
        else break;
      }
      current = { start: r, end: r, indent, groupEnd: r, head: stripped };
      lines.push(current);
    } else if (current) {
      current.end = r;
    }
    continued = false;
    // Scan the row for strings, comments and brackets.
    let i = 0;
    while (i < row.length) {
      const ch = row[i];
      if (triple !== null) {
        if (ch === '\\') {
          i += 2;
          continue;
        }
        if (row.startsWith(triple, i)) {
          i += 3;
          triple = null;
          continue;
        }
        i += 1;
        continue;
      }
      if (ch === '#') break;
      if (ch === '"' || ch === "'") {
        if (row.startsWith(ch.repeat(3), i)) {
          triple = ch.repeat(3);
          i += 3;
          continue;
        }
        i += 1;
        while (i < row.length && row[i] !== ch) i += row[i] === '\\' ? 2 : 1;
        i += 1;
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') depth += 1;
      else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
      i += 1;
    }
    if (triple === null && row.endsWith('\\')) continued = true;
  }
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    let end = line.end;
    let j = k + 1;
    for (;;) {
      while (j < lines.length && lines[j].indent > line.indent) end = lines[j++].end;
      if (
        j < lines.length &&
        lines[j].indent === line.indent &&
        CLAUSE.test(lines[j].head) &&
        !CLAUSE.test(line.head)
      ) {
        end = lines[j++].end;
        continue;
      }
      break;
    }
    line.groupEnd = end;
  }
  return lines;
}

/** A statement with its header line(s) (decorators, `else:`/`except:` clauses) and body. */
interface Group {
  headers: LogicalLine[];
  children: Group[];
  start: number;
  end: number;
  indent: number;
}

function buildGroups(lines: LogicalLine[], from: number, to: number): Group[] {
  const out: Group[] = [];
  let i = from;
  while (i < to) {
    const first = lines[i];
    const indent = first.indent;
    const headers = [first];
    let k = i;
    while (lines[k].head.startsWith('@') && k + 1 < to && lines[k + 1].indent === indent) {
      headers.push(lines[++k]);
    }
    const end = lines[k].groupEnd;
    let j = k + 1;
    const children: Group[] = [];
    while (j < to && lines[j].start <= end) {
      if (lines[j].indent <= indent) {
        headers.push(lines[j++]);
        continue;
      }
      let r = j;
      while (r < to && lines[r].start <= end && lines[r].indent > indent) r++;
      children.push(...buildGroups(lines, j, r));
      j = r;
    }
    out.push({ headers, children, start: first.start, end, indent });
    i = Math.max(j, i + 1);
  }
  return out;
}

/**
 * Rewrites rows `from..to` so they contribute nothing: the first becomes `pass` at the statement's
 * indentation (so an enclosing block never becomes empty), the rest spaces. Every row keeps its
 * length, so all offsets of the remaining text stay valid.
 */
function neutralize(rows: string[], from: number, to: number, indent: number): void {
  for (let r = from; r <= to && r < rows.length; r++) {
    const blank = rows[r].replace(/[^\r]/g, ' ');
    const cr = rows[r].endsWith('\r') ? 1 : 0;
    if (
      r === from &&
      rows[r].length - cr >= indent + 4 &&
      /^[ \t]*$/.test(rows[r].slice(0, indent))
    ) {
      rows[r] = rows[r].slice(0, indent) + 'pass' + blank.slice(indent + 4);
    } else {
      rows[r] = blank;
    }
  }
}

/**
 * The rows of `chain[0]` (a top-level statement) with only the path down to `chain`'s last group
 * kept: enough to ask "does this statement parse on its own, inside its headers?".
 */
function renderChain(rows: string[], chain: Group[], extra: Group[]): string {
  const first = chain[0].start;
  const out = rows.slice(first, chain.at(-1)!.end + 1);
  const visit = (groups: Group[], depth: number) => {
    for (const g of groups) {
      if (g.start - first >= out.length) break;
      if (chain[depth] !== g) {
        neutralize(out, g.start - first, Math.min(g.end - first, out.length - 1), g.indent);
      } else if (depth < chain.length - 1) {
        visit(g.children, depth + 1);
      }
    }
  };
  if (chain.length > 1) visit(chain[0].children, 1);
  for (const g of extra) neutralize(out, g.start - first, g.end - first, g.indent);
  return out.join('\n');
}

export interface ParsedPython {
  tree: Tree;
  /** The text `tree` was parsed from: the input, with rows of unparsable statements blanked. */
  text: string;
  /** Row ranges that had syntax errors and were left out of the analysis. */
  skipped: Array<[number, number]>;
}

/**
 * Parses `text`. When it has syntax errors, the smallest statements that do not parse on their own
 * (inside their enclosing `class`/`def` headers) are neutralized, keeping every position valid, and
 * the text re-parsed, so that an error in one function does not hide findings elsewhere.
 */
export async function parsePython(text: string): Promise<ParsedPython> {
  const parser = await getParser();
  const first = parser.parse(text);
  if (!first) throw new Error('tree-sitter returned no tree');
  if (!first.rootNode.hasError) return { tree: first, text, skipped: [] };

  const rows = text.split('\n');
  const lines = logicalLines(text);
  const top = buildGroups(lines, 0, lines.length);
  const parses = (source: string): boolean => {
    const t = parser.parse(source);
    const ok = t !== null && !t.rootNode.hasError;
    t?.delete();
    return ok;
  };
  // Top-level statements that parsed cleanly in the full parse need no isolation.
  const clean = new Set<number>();
  for (const child of first.rootNode.children) {
    if (child && !child.hasError && child.type !== 'ERROR') {
      for (const g of top) {
        if (
          child.startPosition.row === g.start &&
          child.endPosition.row >= g.headers.at(-1)!.start
        ) {
          clean.add(g.start);
        }
      }
    }
  }
  const check = (chain: Group[]): Group[] => {
    const g = chain.at(-1)!;
    if (parses(renderChain(rows, chain, []))) return [];
    if (g.children.length === 0) return [g];
    const bad = g.children.flatMap((c) => check([...chain, c]));
    return bad.length > 0 && parses(renderChain(rows, chain, bad)) ? bad : [g];
  };
  const bad = top.filter((g) => !clean.has(g.start)).flatMap((g) => check([g]));
  const patched = rows.slice();
  for (const g of bad) neutralize(patched, g.start, g.end, g.indent);
  let current = patched.join('\n');
  const skipped: Array<[number, number]> = bad.map((g) => [g.start, g.end]);
  let tree = parser.parse(current) ?? first;
  if (tree !== first) first.delete();
  // Rare leftovers (errors that only appear in combination): drop whole top-level statements.
  for (let attempt = 0; attempt < 16 && tree.rootNode.hasError; attempt++) {
    const err = firstError(tree.rootNode);
    const row = err ? err.startPosition.row : 0;
    const g = top.find((x) => x.start <= row && row <= x.end) ?? top.find((x) => x.start >= row);
    if (!g) break;
    const next = current.split('\n');
    neutralize(next, g.start, g.end, g.indent);
    current = next.join('\n');
    skipped.push([g.start, g.end]);
    const t = parser.parse(current);
    if (!t) break;
    tree.delete();
    tree = t;
  }
  return { tree, text: current, skipped };
}
