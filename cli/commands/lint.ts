/** `heap-inspector lint [--json] FILES...`: the finalizer-trap rules (HI001–HI011) on Python files. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HelpRequested } from '../args';
import type { CliCommand } from '../command';
import { UserError } from '../errors';
import { lintText, type LintDiagnostic } from '../../server/lint/index';
import { escapeLinesForTerminal, jsonForTerminal } from '../../server/engine/terminalText';

const SKIP_DIRS = new Set(['node_modules', '__pycache__', 'venv', '.venv', 'site-packages']);

/** Expands directories to the `.py` files below them (sorted); checks files exist. */
function expand(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith('.')) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(p);
      } else if (entry.name.endsWith('.py')) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UserError(`no such file: ${p}`);
    }
    if (st.isDirectory()) visit(p);
    else out.push(p);
  }
  return out;
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  code: string;
  severity: string;
  message: string;
}

export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'Check Python files for finalizer traps (__del__, weakref.finalize, cycles, gc)',
  usage: [
    'usage: heap-inspector lint [--json] FILE|DIR...',
    '',
    'Checks Python sources for finalizer and reference-cycle traps (rules HI001-HI011,',
    'documented in docs/rules/). Directories are searched for *.py files.',
    '',
    'options:',
    '  --json   print a JSON list of {file, line, column, code, severity, message}',
    '',
    'Silence a finding with "# heap-inspector: ignore[HI001]" on its line, or on the',
    'def/class line to cover a whole body.',
    '',
    'exit status: 0 nothing found, 1 findings, 2 bad input',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    let json = false;
    const paths: string[] = [];
    let optionsDone = false;
    for (const arg of args) {
      if (!optionsDone && arg === '--') optionsDone = true;
      else if (!optionsDone && (arg === '--help' || arg === '-h')) throw new HelpRequested();
      else if (!optionsDone && arg === '--json') json = true;
      else if (!optionsDone && arg.startsWith('-') && arg !== '-') {
        throw new UserError(`lint: unknown option "${arg}" (see "heap-inspector lint --help")`);
      } else paths.push(arg);
    }
    if (paths.length === 0) {
      throw new UserError('lint: no files given (usage: heap-inspector lint [--json] FILES...)');
    }
    const files = expand(paths);
    const results: Array<{ file: string; diagnostics: LintDiagnostic[] }> = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        const reason = error instanceof Error && 'code' in error ? String(error.code) : 'error';
        throw new UserError(`cannot read ${file} (${reason})`);
      }
      results.push({ file, diagnostics: await lintText(text) });
    }
    let count = 0;
    if (json) {
      const list: JsonFinding[] = [];
      for (const { file, diagnostics } of results) {
        for (const d of diagnostics) {
          list.push({
            file,
            line: d.line,
            column: d.column,
            code: d.code,
            severity: d.severity,
            message: d.message,
          });
        }
      }
      count = list.length;
      process.stdout.write(jsonForTerminal(JSON.stringify(list, null, 2)) + '\n');
    } else {
      const lines: string[] = [];
      for (const { file, diagnostics } of results) {
        for (const d of diagnostics) {
          lines.push(`${file}:${d.line}:${d.column}: ${d.code} ${d.severity}: ${d.message}`);
        }
      }
      count = lines.length;
      // File names found in a folder, and what the rules quote, are not ours: escaped.
      if (lines.length > 0) process.stdout.write(escapeLinesForTerminal(lines) + '\n');
    }
    return count > 0 ? 1 : 0;
  },
};
