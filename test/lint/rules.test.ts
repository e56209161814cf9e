/**
 * Finalizer-trap rules over the corpus in test/lint/corpus/.
 *
 * Corpus markers (in comments): `# expect: HI001[, HI004]` on the line where a diagnostic starts,
 * `# ok: HI001` on a line where that code must not fire. Every diagnostic in a corpus file must be
 * expected, so each file is an exact specification.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  RULE_CODES,
  getRule,
  lintText,
  normalizeSettings,
  parseDirective,
  type LintDiagnostic,
  type RuleCode,
} from '../../server/lint/index';
import { CORPUS, files, lintFile } from './corpusFiles';

const MARKER = /#\s*(expect|ok):\s*(HI\d{3}(?:\s*,\s*HI\d{3})*)/g;

interface Marks {
  expect: Set<string>;
  ok: Set<string>;
}

/** `line:code` keys (1-based lines) of every marker in `text`. */
function marks(text: string): Marks {
  const out: Marks = { expect: new Set(), ok: new Set() };
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(MARKER)) {
      for (const code of m[2].split(','))
        out[m[1] as 'expect' | 'ok'].add(`${i + 1}:${code.trim()}`);
    }
  });
  return out;
}

const key = (d: LintDiagnostic) => `${d.line}:${d.code}`;

describe('corpus expectations', () => {
  for (const file of files) {
    test(file, async () => {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const { expect, ok } = marks(text);
      const diags = await lintFile(file);
      const got = new Set(diags.map(key));
      const lines = text.split('\n');
      const show = (k: string) => `${k}  ${lines[Number(k.split(':')[0]) - 1]?.trim()}`;
      const missing = [...expect].filter((k) => !got.has(k));
      const unexpected = [...got].filter((k) => !expect.has(k));
      const violated = [...ok].filter((k) => got.has(k));
      assert.deepEqual(missing.map(show), [], 'expected diagnostics that did not fire');
      assert.deepEqual(unexpected.map(show), [], 'diagnostics without an expectation');
      assert.deepEqual(violated.map(show), [], 'diagnostics on `# ok:` lines');
    });
  }

  test('every code has at least 8 positive and 8 negative cases', () => {
    const pos = new Map<string, number>();
    const neg = new Map<string, number>();
    for (const file of files) {
      const m = marks(readFileSync(join(CORPUS, file), 'utf8'));
      for (const k of m.expect) pos.set(k.split(':')[1], (pos.get(k.split(':')[1]) ?? 0) + 1);
      for (const k of m.ok) neg.set(k.split(':')[1], (neg.get(k.split(':')[1]) ?? 0) + 1);
    }
    for (const code of RULE_CODES) {
      assert.ok((pos.get(code) ?? 0) >= 8, `${code}: ${pos.get(code) ?? 0} positive cases`);
      assert.ok((neg.get(code) ?? 0) >= 8, `${code}: ${neg.get(code) ?? 0} negative cases`);
    }
  });

  test('precision and recall per code are at least 0.9', async () => {
    const tp = new Map<string, number>();
    const fp = new Map<string, number>();
    const fn = new Map<string, number>();
    const inc = (m: Map<string, number>, c: string) => m.set(c, (m.get(c) ?? 0) + 1);
    for (const file of files) {
      const { expect } = marks(readFileSync(join(CORPUS, file), 'utf8'));
      const got = new Set((await lintFile(file)).map(key));
      for (const k of got) inc(expect.has(k) ? tp : fp, k.split(':')[1]);
      for (const k of expect) if (!got.has(k)) inc(fn, k.split(':')[1]);
    }
    const rows: string[] = ['code    TP  FP  FN  precision  recall'];
    const failures: string[] = [];
    for (const code of RULE_CODES) {
      const t = tp.get(code) ?? 0;
      const p = t + (fp.get(code) ?? 0) === 0 ? 1 : t / (t + (fp.get(code) ?? 0));
      const r = t + (fn.get(code) ?? 0) === 0 ? 1 : t / (t + (fn.get(code) ?? 0));
      rows.push(
        `${code}  ${String(t).padStart(4)}${String(fp.get(code) ?? 0).padStart(4)}` +
          `${String(fn.get(code) ?? 0).padStart(4)}  ${p.toFixed(3).padStart(9)}  ${r.toFixed(3).padStart(6)}`,
      );
      if (p < 0.9 || r < 0.9) failures.push(`${code}: precision ${p}, recall ${r}`);
    }
    console.log(rows.join('\n'));
    assert.deepEqual(failures, []);
  });

  test('a syntax error elsewhere does not silence findings', async () => {
    const diags = await lintFile('syntax_error.py');
    assert.deepEqual(
      new Set(diags.map((d) => d.code)),
      new Set(['HI001', 'HI007', 'HI009', 'HI010']),
    );
  });
});

describe('suppression', () => {
  test('directive parsing', () => {
    assert.equal(parseDirective('# heap-inspector: ignore'), 'all');
    assert.deepEqual(
      parseDirective('# heap-inspector: ignore[HI001, hi004]'),
      new Set(['HI001', 'HI004']),
    );
    assert.deepEqual(parseDirective('#heap-inspector:ignore[HI007]  # why'), new Set(['HI007']));
    assert.equal(parseDirective('# heap-inspector: check'), null);
    assert.equal(parseDirective('# noqa'), null);
  });

  const src = (comment: string, defComment = '') =>
    `import os\nclass A:\n    def __del__(self):${defComment}\n        os.remove(self.p)${comment}\n`;

  test('on the line', async () => {
    assert.deepEqual(
      (await lintText(src(''))).map((d) => d.code),
      ['HI001', 'HI004'],
    );
    assert.deepEqual(
      (await lintText(src('  # heap-inspector: ignore[HI001]'))).map((d) => d.code),
      ['HI004'],
    );
    assert.deepEqual(
      (await lintText(src('  # heap-inspector: ignore[HI001,HI004]'))).map((d) => d.code),
      [],
    );
    assert.deepEqual(
      (await lintText(src('  # heap-inspector: ignore'))).map((d) => d.code),
      [],
    );
    assert.deepEqual((await lintText(src('  # heap-inspector: ignore[HI010]'))).length, 2);
  });

  test('on the def line, for the whole body', async () => {
    assert.deepEqual(
      (await lintText(src('', '  # heap-inspector: ignore[HI004]'))).map((d) => d.code),
      ['HI001'],
    );
    assert.deepEqual(
      (await lintText(src('', '  # heap-inspector: ignore'))).map((d) => d.code),
      [],
    );
  });

  test('on the class line, for the whole class', async () => {
    const text =
      'import os\nclass A:  # heap-inspector: ignore[HI001]\n    def __del__(self):\n        os.remove(self.p)\n';
    assert.deepEqual(
      (await lintText(text)).map((d) => d.code),
      ['HI004'],
    );
  });

  test('a directive inside a string is not a directive', async () => {
    const text =
      'import os\nclass A:\n    def __del__(self):\n        os.remove("# heap-inspector: ignore")\n';
    assert.deepEqual(
      (await lintText(text)).map((d) => d.code),
      ['HI001', 'HI004'],
    );
  });
});

describe('settings', () => {
  const src = 'import os\nclass A:\n    def __del__(self):\n        os.remove(self.p)\n';

  test('disable a rule', async () => {
    const diags = await lintText(src, { rules: { HI004: { enabled: false } } });
    assert.deepEqual(
      diags.map((d) => d.code),
      ['HI001'],
    );
  });

  test('override severity', async () => {
    const diags = await lintText(src, { rules: { HI001: { severity: 'error' } } });
    assert.equal(diags.find((d) => d.code === 'HI001')?.severity, 'error');
    assert.equal(diags.find((d) => d.code === 'HI004')?.severity, getRule('HI004').defaultSeverity);
  });

  test('normalizeSettings accepts editor JSON and drops junk', () => {
    assert.deepEqual(
      normalizeSettings({
        rules: {
          hi001: false,
          HI004: 'hint',
          HI007: { enabled: true, severity: 'warning' },
          HI999: false,
          HI008: { severity: 'loud' },
        },
      }),
      {
        rules: {
          HI001: { enabled: false },
          HI004: { severity: 'hint' },
          HI007: { enabled: true, severity: 'warning' },
          HI008: {},
        },
      },
    );
    assert.deepEqual(normalizeSettings(null), { rules: {} });
    assert.deepEqual(normalizeSettings({ rules: 3 }), { rules: {} });
  });

  test('default severities', () => {
    const expected: Record<RuleCode, string> = {
      HI001: 'warning',
      HI002: 'warning',
      HI003: 'warning',
      HI004: 'information',
      HI005: 'warning',
      HI006: 'warning',
      HI007: 'error',
      HI008: 'warning',
      HI009: 'warning',
      HI010: 'information',
      HI011: 'warning',
    };
    for (const code of RULE_CODES)
      assert.equal(getRule(code).defaultSeverity, expected[code], code);
  });
});

describe('diagnostic shape', () => {
  test('range, 1-based position, docs link, message', async () => {
    const src =
      'import weakref\n\nclass W:\n    def __init__(self):\n        weakref.finalize(self, self.stop)\n    def stop(self):\n        pass\n';
    const [d] = await lintText(src);
    assert.equal(d.code, 'HI007');
    assert.deepEqual(d.range, {
      start: { line: 4, character: 8 },
      end: { line: 4, character: 41 },
    });
    assert.equal(d.line, 5);
    assert.equal(d.column, 9);
    assert.equal(d.docs, 'docs/rules/HI007.md');
    assert.equal(d.source, 'heap-inspector');
    assert.match(d.message, /never run/);
    assert.match(d.message, /self\.stop/);
  });

  test('columns count UTF-16 code units, like LSP', async () => {
    const src = 'class A:\n    def __del__(self):\n        s = "é😀"; self.f.close()\n';
    const [d] = await lintText(src);
    assert.equal(d.code, 'HI001');
    assert.equal(d.range.start.character, 19);
    assert.equal(d.column, 20);
  });

  test('every rule has a docs page', () => {
    for (const code of RULE_CODES) {
      const page = readFileSync(join(__dirname, '..', '..', 'docs', 'rules', `${code}.md`), 'utf8');
      assert.match(page, new RegExp(`^# ${code}: `));
      assert.match(page, /## Suppress/);
    }
  });

  test('garbage input does not throw', async () => {
    for (const text of [
      '',
      '\n\n',
      'def (:\n  ]]]',
      '"""unterminated',
      'class A(:\n    def __del__(self):\n        x.close()\n',
      '\t\tfoo\n  bar(\n',
    ]) {
      assert.ok(Array.isArray(await lintText(text)));
    }
  });
});
