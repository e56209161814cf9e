/**
 * Privacy: a program holding a secret token, as an attribute value and as a dict key, and printing
 * it from a finalizer. Without --redact the HTML report and the step JSON contain it (and the
 * report says so, visibly); with --redact (snapshot, step, report) no output of ours does, equal
 * strings stay equal (one hash), and the names from the code (types, attributes) stay readable.
 * The visible line is checked in Debian's chromium.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { runCli, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-redact-'));
after(() => rmSync(work, { recursive: true, force: true }));

const TOKEN = 'sk_live_4f9c2a7e1bd3';
const CHROMIUM = '/usr/bin/chromium';
const script = writeScript(
  work,
  'secret.py',
  [
    'import sys',
    'class Session:',
    '    def __del__(self):',
    '        sys.stderr.write("closing session " + self.token + "\\n")',
    '',
    'token = "".join(["sk_live_", "4f9c2a7e1b", "d3"])  # made at run time: not a constant of the code',
    'session = Session()',
    'session.token = token',
    'session.index = {token: session, "plain": 1}',
    'session.me = session',
    'del session, token',
    'x = 1',
    '',
  ].join('\n'),
);
const LINE = 12;
const out = (name: string) => join(work, name);

function cli(args: string[]) {
  const r = runCli(args, { cwd: work });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

const snapshotArgs = ['snapshot', '--python', python, '--at', `${script}:${LINE}`];
const stepArgs = ['step', '--python', python, '--at', `${script}:${LINE}`];

/** The report's text with the JSON escapes of `<` and `>` undone. */
function readReport(name: string): string {
  return readFileSync(out(name), 'utf8')
    .replace(/\\u003c/g, '<')
    .replace(/\\u003e/g, '>');
}

/** Hashes of 20-character strings shown as values (`'<str …>'`) and as keys (`['<str …>']`). */
function redactedForms(text: string): { values: Set<string>; keys: Set<string> } {
  const values = new Set<string>();
  const keys = new Set<string>();
  for (const m of text.matchAll(/"(\[?)'<str len=20 #([0-9a-f]{8})>'\]?"/g)) {
    (m[1] ? keys : values).add(m[2]);
  }
  return { values, keys };
}

describe("without --redact the outputs hold the program's strings", () => {
  before(() => {
    cli([...snapshotArgs, '--out', out('plain.heapsnap'), '--html', out('plain.html'), script]);
    cli([...stepArgs, '--json', out('plain-step.json'), script]);
  });

  it('the HTML report shows the token as a value and as a key', () => {
    const html = readFileSync(out('plain.html'), 'utf8');
    assert.match(html, new RegExp(`'${TOKEN}'`), 'the str value');
    assert.match(html, new RegExp(`\\['${TOKEN}'\\]`), 'the dict key, as an edge label');
  });

  it("the step JSON has the finalizer's output", () => {
    assert.match(readFileSync(out('plain-step.json'), 'utf8'), new RegExp(TOKEN));
  });
});

describe('with --redact no output of ours holds them', () => {
  let snapshotStderr = '';
  before(() => {
    snapshotStderr = cli([
      ...snapshotArgs,
      '--redact',
      '--json',
      out('red.json'),
      '--html',
      out('red.html'),
      script,
    ]).stderr;
    cli([
      ...stepArgs,
      '--redact',
      '--json',
      out('red-step.json'),
      '--html',
      out('red-step.html'),
      script,
    ]);
    cli([
      'report',
      out('plain.heapsnap'),
      '--redact',
      '--html',
      out('red-report.html'),
      '--json',
      out('red-report.json'),
    ]);
  });

  for (const name of [
    'red.json',
    'red.html',
    'red-step.json',
    'red-step.html',
    'red-report.json',
    'red-report.html',
  ]) {
    it(`${name} does not contain the token`, () => {
      assert.ok(existsSync(out(name)));
      assert.doesNotMatch(readFileSync(out(name), 'utf8'), new RegExp(TOKEN.slice(0, 12)));
    });
  }

  it('the text summary does not contain it either', () => {
    assert.match(snapshotStderr, /The next gc\.collect\(\) frees/);
    assert.doesNotMatch(snapshotStderr.replace(/closing session .*\n/g, ''), new RegExp(TOKEN));
  });

  it('the value and the key become the same length-and-hash; names from the code stay', () => {
    for (const name of ['red.html', 'red-report.html']) {
      const html = readReport(name);
      const { values, keys } = redactedForms(html);
      const both = [...values].filter((hash) => keys.has(hash));
      assert.equal(both.length, 1, `${name}: the token as a value and as a key, one hash`);
      assert.match(html, /__main__\.Session/);
      // Attribute names are code: kept (`.token`, or `['token']` in a materialised __dict__).
      assert.match(html, /"(\.token|\['token'\])"/);
      assert.match(html, /"(\.index|\['index'\])"/);
      assert.match(html, /"\['<str len=5 #[0-9a-f]{8}>'\]"/, 'the other key is redacted too');
    }
  });

  it('the step JSON says how much finalizer output there was, not what', () => {
    const report = JSON.parse(readFileSync(out('red-step.json'), 'utf8'));
    assert.match(report.finalizerOutput, /^<output redacted: \d+ characters>$/);
  });
});

describe(
  'the HTML report says so, visibly',
  { skip: existsSync(CHROMIUM) ? false : 'needs chromium', ...SUITE_LIMIT },
  () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu'],
      });
    }, TEST_LIMIT);
    after(async () => {
      await browser?.close();
    }, TEST_LIMIT);

    async function note(file: string): Promise<{ text: string; visible: boolean; body: string }> {
      const page = await browser.newPage();
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(pathToFileURL(out(file)).href);
      await page.waitForSelector('canvas');
      const locator = page.locator('#privacy-note');
      const result = {
        text: (await locator.textContent()) ?? '',
        visible: await locator.isVisible(),
        body: await page.evaluate(() => document.body.innerText),
      };
      await page.close();
      return result;
    }

    it("an unredacted report warns that it holds the program's strings", TEST_LIMIT, async () => {
      const n = await note('plain.html');
      assert.ok(n.visible);
      assert.match(n.text, /contains text from the program/);
      assert.match(n.text, /--redact/);
    });

    it('a redacted report says what was redacted, and shows no token', TEST_LIMIT, async () => {
      const n = await note('red.html');
      assert.ok(n.visible);
      assert.match(n.text, /^Redacted: the string values and dict keys/);
      assert.doesNotMatch(n.body, new RegExp(TOKEN));
    });
  },
);
