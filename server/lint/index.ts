/**
 * Finalizer-trap lint rules for Python (HI001–HI011), as pure functions over text.
 *
 *   const diagnostics = await lintText(source, { rules: { HI004: { severity: 'hint' } } });
 *
 * Used by `heap-inspector lint` and (later) by the language server's diagnostics/code actions.
 */
import { LintContext } from './context';
import { parsePython } from './parser';
import { RULES, docsPath } from './registry';
import { ruleEnabled, ruleSeverity, type LintSettings } from './settings';
import { Suppressions } from './suppression';
import { mirror } from './tree';
import type { LintDiagnostic, QuickFix } from './types';

export { applyEdits, offsetAt } from './fixes';
export { getParser, parsePython, setWasmDirectory } from './parser';
export { RULES, docsPath, getRule } from './registry';
export type { Rule } from './registry';
export { normalizeSettings, isRuleCode, isSeverity } from './settings';
export type { LintSettings, RuleSettings } from './settings';
export { parseDirective } from './suppression';
export * from './types';

/**
 * Lints Python source. Never throws on bad Python: statements with syntax errors are skipped and
 * the rest of the file is still checked. Diagnostics are sorted by position.
 */
export async function lintText(text: string, settings?: LintSettings): Promise<LintDiagnostic[]> {
  const parsed = await parsePython(text);
  let root;
  try {
    root = mirror(parsed.tree, parsed.text);
  } finally {
    parsed.tree.delete();
  }
  const ctx = new LintContext(text, root);
  const crlf = text.includes('\r\n');
  for (const rule of RULES) {
    if (ruleEnabled(settings, rule.code)) rule.check(ctx);
  }
  const suppressions = new Suppressions(root);
  const seen = new Set<string>();
  const out: LintDiagnostic[] = [];
  for (const f of ctx.findings) {
    if (suppressions.isSuppressed(f.code, f.range.start)) continue;
    const key = `${f.code}:${f.range.start.line}:${f.range.start.character}:${f.range.end.line}:${f.range.end.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rule = RULES.find((r) => r.code === f.code);
    out.push({
      code: f.code,
      severity: ruleSeverity(settings, f.code, rule?.defaultSeverity ?? 'warning'),
      message: f.message,
      range: f.range,
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      docs: docsPath(f.code),
      source: 'heap-inspector',
      fixes: (f.fixes ?? [])
        .filter((fix) => !touchesSkipped(fix, parsed.skipped))
        .map((fix) => (crlf ? withCrlf(fix) : fix)),
    });
  }
  out.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.code.localeCompare(b.code),
  );
  return out;
}

/** Quick-fix text is written with `\n`; files with Windows line endings get `\r\n`. */
function withCrlf(fix: QuickFix): QuickFix {
  return {
    title: fix.title,
    edits: fix.edits.map((e) => ({ range: e.range, newText: e.newText.replace(/\r?\n/g, '\r\n') })),
  };
}

/** Fixes next to statements that were dropped for syntax errors could land inside them. */
function touchesSkipped(fix: QuickFix, skipped: Array<[number, number]>): boolean {
  return fix.edits.some((e) =>
    skipped.some(([from, to]) => e.range.end.line >= from && e.range.start.line <= to),
  );
}
