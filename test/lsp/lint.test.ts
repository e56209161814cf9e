/**
 * The lint diagnostics through a real LSP client against the built server (dist/server.js):
 * published on open and after edits, equal to `lintText`, with the rule page as a file link;
 * quick fixes applied as code actions and re-linted; per-rule settings (pulled with
 * workspace/configuration, changed with didChangeConfiguration; pushed when the client cannot
 * be asked); suppression comments and the "suppress on this line" action; a file with a syntax
 * error; closing clears.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/lint.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver/node';
import { lintText } from '../../server/lint/index';
import { fileUri, LspClient, REPO_ROOT } from './lspClient';

const CORPUS = join(REPO_ROOT, 'test', 'lint', 'corpus');
const FIXTURES = join(__dirname, 'fixtures');
const read = (path: string) => readFileSync(path, 'utf8');
const brief = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line + 1}:${d.code}`).sort();

const python = ['python3', 'python'].find((exe) => spawnSync(exe, ['--version']).status === 0);
function compiles(text: string): string | null {
  if (!python) return null;
  const r = spawnSync(python, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
    input: text,
    encoding: 'utf8',
  });
  return r.status === 0 ? null : r.stderr;
}

async function actionsFor(client: LspClient, uri: string, d: Diagnostic): Promise<CodeAction[]> {
  return (await client.rpc.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: d.range,
    context: { diagnostics: [d], only: ['quickfix'] },
  })) as CodeAction[];
}

describe('lint diagnostics over LSP', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client.stop();
  });

  test('an opened document gets the rules’ diagnostics, with the rule page as a link', async () => {
    const path = join(CORPUS, 'realistic_pool.py');
    const uri = fileUri(path);
    const text = read(path);
    await client.open(uri, text);
    const got = await client.diagnostics(uri);
    const expected = await lintText(text);
    assert.deepEqual(brief(got), expected.map((d) => `${d.line}:${d.code}`).sort());
    assert.ok(got.length >= 5);
    for (const d of got) {
      assert.equal(d.source, 'heap-inspector');
      assert.match(String(d.code), /^HI0\d\d$/);
      const href = d.codeDescription?.href ?? '';
      assert.ok(href.startsWith('file:'), `no rule page link on ${d.code}`);
      const page = fileURLToPath(href);
      assert.ok(page.endsWith(join('docs', 'rules', `${d.code}.md`)), page);
      assert.ok(existsSync(page), `${page} does not exist`);
    }
    const sev = (code: string) => got.find((d) => d.code === code)?.severity;
    assert.equal(sev('HI003'), 2, 'HI003 is a warning');
    assert.equal(sev('HI004'), 3, 'HI004 is information');
    await client.close(uri);
  });

  test('edits are linted again (debounced): the last version wins', async () => {
    const uri = fileUri('/tmp/heap-inspector-lsp/edits.py');
    await client.open(uri, 'x = 1\n');
    assert.deepEqual(await client.diagnostics(uri), []);
    const before = client.publishesFor(uri).length;
    // Three quick edits: one lint, for the last of them.
    await client.change(uri, 'import gc\n');
    await client.change(uri, 'import gc\ndef f():\n    gc.disable()\n');
    await client.change(uri, 'import gc\n\n\ndef f():\n    gc.disable()\n    work()\n');
    const ds = await client.diagnostics(uri);
    assert.deepEqual(brief(ds), ['5:HI011']);
    const publishes = client.publishesFor(uri).slice(before);
    assert.equal(publishes.length, 1, `published ${publishes.length} times for 3 quick edits`);
    await client.close(uri);
    const cleared = await client.waitForPublish((p) => p.uri === uri && p.version === undefined);
    assert.deepEqual(cleared.diagnostics, [], 'closing clears the diagnostics');
  });

  test('a syntax error elsewhere does not silence the findings', async () => {
    const path = join(CORPUS, 'syntax_error.py');
    const uri = fileUri(path);
    const text = read(path);
    assert.ok(compiles(text) !== null || !python, 'the file is meant not to compile');
    await client.open(uri, text);
    const got = await client.diagnostics(uri);
    const expected = text
      .split('\n')
      .flatMap((line, i) =>
        [...line.matchAll(/#\s*expect:\s*(HI\d{3}(?:\s*,\s*HI\d{3})*)/g)].flatMap((m) =>
          m[1].split(',').map((c) => `${i + 1}:${c.trim()}`),
        ),
      )
      .sort();
    assert.ok(expected.length >= 2);
    assert.deepEqual(brief(got), expected);
    // Breaking one more statement keeps the other findings.
    const broken = text.replace(/\n\n/, '\n\ndef half_typed(:\n\n');
    await client.change(uri, broken);
    const again = await client.diagnostics(uri);
    assert.ok(again.length >= expected.length - 1, `${brief(again)} vs ${expected}`);
    await client.close(uri);
  });

  test('quick fixes (HI007, HI001, HI010, HI002) applied as code actions, then linted clean', async () => {
    const path = join(FIXTURES, 'quickfixes.py');
    const uri = fileUri(path);
    await client.open(uri, read(path));
    let ds = await client.diagnostics(uri);
    assert.deepEqual(
      ds.map((d) => d.code),
      ['HI007', 'HI001', 'HI010', 'HI002'],
    );
    for (const code of ['HI007', 'HI001', 'HI010', 'HI002']) {
      const d = ds.find((x) => x.code === code);
      assert.ok(d, `${code} is gone before its fix`);
      const actions = await actionsFor(client, uri, d);
      const fix = actions.find((a) => a.isPreferred);
      assert.ok(fix, `${code}: no quick fix among ${actions.map((a) => a.title)}`);
      assert.ok(
        actions.some((a) => a.title === `Suppress ${code} on this line`),
        `${code}: no suppression action`,
      );
      await client.applyWorkspaceEdit(fix.edit);
      const error = compiles(client.text(uri));
      assert.equal(error, null, `${code}: the fixed file does not compile:\n${client.text(uri)}`);
      ds = await client.diagnostics(uri);
      assert.ok(!ds.some((x) => x.code === code), `${code} still reported after "${fix.title}"`);
    }
    assert.deepEqual(ds, [], 'every finding fixed');
    await client.close(uri);
  });

  test('"Suppress on this line" adds the comment, and suppressed findings stay silent', async () => {
    const uri = fileUri('/tmp/heap-inspector-lsp/suppress.py');
    const text =
      'import os\n\n\nclass Temp:\n    def __init__(self, path):\n        self.path = path\n\n' +
      '    def __del__(self):\n        os.remove(self.path)  # heap-inspector: ignore[HI004]\n';
    await client.open(uri, text);
    const ds = await client.diagnostics(uri);
    assert.deepEqual(brief(ds), ['9:HI001'], 'HI004 is suppressed on that line');
    const actions = await actionsFor(client, uri, ds[0]);
    const suppress = actions.find((a) => a.title === 'Suppress HI001 on this line');
    assert.ok(suppress);
    await client.applyWorkspaceEdit(suppress.edit);
    assert.match(
      client.text(uri),
      /os\.remove\(self\.path\) {2}# heap-inspector: ignore\[HI004, HI001\]\n/,
    );
    assert.deepEqual(await client.diagnostics(uri), []);
    await client.close(uri);
  });

  test('per-rule settings: disabled rules, severities, all off; changed without a restart', async () => {
    const path = join(CORPUS, 'realistic_pool.py');
    const uri = fileUri(path);
    client.settings = { rules: { HI004: { enabled: false }, HI003: 'error', hi008: false } };
    await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.open(uri, read(path));
    let ds = await client.diagnostics(uri);
    assert.ok(!ds.some((d) => d.code === 'HI004' || d.code === 'HI008'), brief(ds).join(' '));
    assert.ok(ds.filter((d) => d.code === 'HI003').every((d) => d.severity === 1));
    assert.ok(ds.some((d) => d.code === 'HI003'));
    let since = client.publishCount;
    client.settings = { enabled: false };
    await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.waitForPublish((p) => p.uri === uri && p.diagnostics.length === 0, 10_000, since);
    since = client.publishCount;
    client.settings = {};
    await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    ds = (
      await client.waitForPublish(
        (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'HI004'),
        10_000,
        since,
      )
    ).diagnostics;
    assert.ok(ds.some((d) => d.code === 'HI008'));
    assert.ok(client.configurationRequests.length >= 3, 'the server pulls the settings');
    await client.close(uri);
  });
});

test('a client without workspace/configuration: initializationOptions, then pushed settings', async () => {
  const client = await LspClient.start({
    configuration: false,
    initializationOptions: { lint: { rules: { HI011: { severity: 'hint' } } } },
  });
  try {
    const uri = fileUri('/tmp/heap-inspector-lsp/push.py');
    await client.open(uri, 'import gc\n\n\ndef f():\n    gc.disable()\n    work()\n');
    let ds = await client.diagnostics(uri);
    assert.deepEqual(
      ds.map((d) => [d.code, d.severity]),
      [['HI011', 4]],
    );
    const since = client.publishCount;
    await client.rpc.sendNotification('workspace/didChangeConfiguration', {
      settings: { heapInspector: { lint: { rules: { HI011: false } } } },
    });
    ds = (
      await client.waitForPublish((p) => p.uri === uri && p.diagnostics.length === 0, 10_000, since)
    ).diagnostics;
    assert.deepEqual(ds, []);
    assert.equal(client.configurationRequests.length, 0);
  } finally {
    await client.stop();
  }
});

test('the .vsix carries the rule pages the diagnostics link to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hi-vsix-'));
  try {
    const file = join(dir, 'x.vsix');
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out', file],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const list = spawnSync(
      python ?? 'python3',
      [
        '-c',
        'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
        file,
      ],
      { encoding: 'utf8' },
    ).stdout.split('\n');
    for (let i = 1; i <= 11; i++) {
      const page = `extension/docs/rules/HI${String(i).padStart(3, '0')}.md`;
      assert.ok(list.includes(page), `the .vsix lacks ${page}`);
    }
    assert.ok(list.includes('extension/media/leak-gutter.svg'), 'the .vsix lacks the gutter icon');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
