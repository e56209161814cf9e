/**
 * Precision and recall of the rules on two corpora, per diagnostic (`line:code`):
 *
 * - test/lint/corpus: the rules were written against it; every file is an exact specification
 *   (rules.test.ts), so both numbers are 1.0 there;
 * - test/lint/unseen: 25 realistic files (servers, caches, workers, temp files, ORM-ish sessions…)
 *   whose `# expect:` / `# ok:` markers were written and committed before the rules ever ran on
 *   them. They are not tuned: a disagreement stays a disagreement (listed below), and the test
 *   only asks for at least 0.9 on each number.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lintText } from '../../server/lint/index';

const MARKER = /#\s*(expect|ok):\s*(HI\d{3}(?:\s*,\s*HI\d{3})*)/g;

interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  misses: string[];
}

async function score(dir: string): Promise<Score> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const lines = text.split('\n');
    const expected = new Set<string>();
    lines.forEach((line, i) => {
      for (const m of line.matchAll(MARKER)) {
        if (m[1] === 'expect')
          for (const c of m[2].split(',')) expected.add(`${i + 1}:${c.trim()}`);
      }
    });
    const got = new Set((await lintText(text)).map((d) => `${d.line}:${d.code}`));
    const show = (k: string) => `${file}:${k}  ${lines[Number(k.split(':')[0]) - 1].trim()}`;
    for (const k of got) {
      if (expected.has(k)) tp++;
      else {
        fp++;
        misses.push(`false positive ${show(k)}`);
      }
    }
    for (const k of expected) {
      if (!got.has(k)) {
        fn++;
        misses.push(`missed ${show(k)}`);
      }
    }
  }
  return { tp, fp, fn, precision: tp / (tp + fp), recall: tp / (tp + fn), misses };
}

for (const [name, min] of [
  ['corpus', 1],
  ['unseen', 0.9],
] as const) {
  test(`precision and recall on test/lint/${name} are at least ${min}`, async (t) => {
    const s = await score(join(__dirname, name));
    t.diagnostic(
      `${name}: ${s.tp} found, ${s.fp} false positives, ${s.fn} missed: precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}`,
    );
    for (const m of s.misses) t.diagnostic(m);
    assert.ok(s.tp >= 80, `only ${s.tp} expected findings`);
    assert.ok(s.precision >= min, `precision ${s.precision}`);
    assert.ok(s.recall >= min, `recall ${s.recall}`);
  });
}
