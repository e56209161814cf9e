/**
 * What the language server's growth tests share (growthDiff.test.ts, growthTrack.test.ts): one
 * language server for the file's tests, and captures by the runner of a program whose list of
 * Connections grows by one each time round its loop, taken at the hits asked for.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { LspClient, REPO_ROOT } from './lspClient';

const PROGRAM = `class Connection:
    pass


leaked = []
for i in range(6):
    leaked.append(Connection())
    i = i  # capture here
`;

export interface GrowingProgram {
  /** The connection to the language server, started before the file's first test. */
  readonly rpc: LspClient['rpc'];
  /**
   * Runs the program (as `<name>.py`, one process) with captures at the marked line's `hits`: the
   * snapshot files, in the order of `hits`.
   */
  captures(name: string, hits: number[]): string[];
}

/**
 * Starts a language server and a scratch folder (`<prefix>…`) before the calling file's tests,
 * and stops and removes them after.
 */
export function growingProgram(prefix: string): GrowingProgram {
  let client: LspClient | undefined;
  let scratch = '';
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), prefix));
    client = await LspClient.start();
  });
  after(async () => {
    await client?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  return {
    get rpc(): LspClient['rpc'] {
      assert.ok(client, 'the language server starts before the tests');
      return client.rpc;
    },
    captures(name: string, hits: number[]): string[] {
      const script = join(scratch, `${name}.py`);
      writeFileSync(script, PROGRAM);
      const line = PROGRAM.split('\n').findIndex((l) => l.includes('capture here')) + 1;
      const out = join(scratch, `${name}-{hit}.heapsnap`);
      const run = spawnSync(
        findPython(),
        [
          join(REPO_ROOT, 'agent', 'heap_inspector_run.py'),
          'run',
          '--at',
          `${script}:${line}`,
          '--hits',
          hits.join(','),
          '--out',
          out,
          script,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(run.status, 0, run.stderr);
      return hits.map((hit) => out.replace('{hit}', String(hit)));
    },
  };
}
