/**
 * Public types of the finalizer-trap linter. Everything here is plain data so the language server
 * can map it 1:1 onto LSP `Diagnostic` / `CodeAction` objects (positions are 0-based, `character`
 * counts UTF-16 code units exactly like LSP), and the CLI can print the 1-based `line`/`column`.
 */

export const RULE_CODES = [
  'HI001',
  'HI002',
  'HI003',
  'HI004',
  'HI005',
  'HI006',
  'HI007',
  'HI008',
  'HI009',
  'HI010',
  'HI011',
] as const;

export type RuleCode = (typeof RULE_CODES)[number];

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

/** 0-based line, 0-based UTF-16 character offset (LSP `Position`). */
export interface Position {
  line: number;
  character: number;
}

/** Half-open range, LSP style. */
export interface Range {
  start: Position;
  end: Position;
}

/** Replace `range` of the original text with `newText` (LSP `TextEdit`). */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** A quick fix: apply all `edits` together (they never overlap) to the text that was linted. */
export interface QuickFix {
  title: string;
  edits: TextEdit[];
}

export interface LintDiagnostic {
  code: RuleCode;
  severity: Severity;
  /** What happens at runtime and what to do about it. */
  message: string;
  /** 0-based LSP range of the offending call / statement. */
  range: Range;
  /** 1-based line of `range.start` (CLI). */
  line: number;
  /** 1-based column of `range.start` (CLI; UTF-16 code units + 1). */
  column: number;
  /** Repository-relative documentation page, e.g. `docs/rules/HI001.md`. */
  docs: string;
  source: 'heap-inspector';
  /** Safe text edits; empty when no edit is known to be correct. */
  fixes: QuickFix[];
}
