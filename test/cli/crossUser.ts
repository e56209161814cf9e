/**
 * Two real users for the cache tests (runnerCache.test.ts, accelerator.test.ts): as root, a test
 * plants files as one uid (the attacker) and runs the CLI as another (the victim) with `setpriv`.
 * Planted code writes a marker file named after the uid that ran it; the victim's interpreter is
 * Debian's /usr/bin/python3 (pyenv's live under /root, which other users cannot read).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, writeScript } from './support';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export const canSwitchUsers =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--version']).status === 0 &&
  existsSync(SYSTEM_PYTHON) &&
  process.platform === 'linux';

/** What the victim's run of `heap-inspector snapshot` gave, and what planted code wrote if it ran. */
export interface VictimRun {
  status: number | null;
  stderr: string;
  ranPlanted: string | null;
}

/**
 * The folders of one test file under `work`: `shared` is what /tmp is (root's, world-writable,
 * sticky), `markers` where planted code leaves its trace, the victim's home with a two-line
 * script. Each test file passes its own uids: files run at once.
 */
export class CrossUserStage {
  readonly shared: string;
  readonly markers: string;
  readonly victimHome: string;
  script = '';

  constructor(
    readonly work: string,
    readonly victim: number,
    readonly attacker: number,
  ) {
    this.shared = join(work, 'tmp');
    this.markers = join(work, 'markers');
    this.victimHome = join(work, 'victim');
  }

  /** Creates the folders and the victim's script (in a `before` hook). */
  setUp(): void {
    for (const dir of [this.shared, this.markers]) {
      mkdirSync(dir);
      chmodSync(dir, 0o1777);
    }
    mkdirSync(this.victimHome);
    chownSync(this.victimHome, this.victim, this.victim);
    this.script = writeScript(this.victimHome, 'cp.py', 'x = [1]\ny = 2\n');
    chownSync(this.script, this.victim, this.victim);
  }

  /** Runs `command` as `uid`, in the victim's home or the work folder. */
  as(uid: number, command: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
    return spawnSync(
      'setpriv',
      ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--', ...command],
      {
        env,
        cwd: uid === this.victim ? this.victimHome : this.work,
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
  }

  /** As the attacker: `python -c code args…` with the system interpreter; fails the test if it fails. */
  plantWith(code: string, args: string[]): SpawnSyncReturns<string> {
    return this.as(this.attacker, [SYSTEM_PYTHON, '-c', code, ...args], {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
    });
  }

  /** The victim captures its script at line 2 (with `outputArgs`), with `env` over a shared TMPDIR. */
  victimSnapshot(env: Record<string, string>, outputArgs: string[] = []): VictimRun {
    const r = this.as(
      this.victim,
      [
        process.execPath,
        CLI,
        'snapshot',
        '--python',
        SYSTEM_PYTHON,
        '--at',
        `${this.script}:2`,
        ...outputArgs,
        this.script,
      ],
      { PATH: process.env.PATH, TMPDIR: this.shared, ...env },
    );
    const pwned = join(this.markers, `PWNED-${this.victim}`);
    const ranPlanted = existsSync(pwned) ? readFileSync(pwned, 'utf8') : null;
    rmSync(pwned, { force: true });
    return { status: r.status, stderr: r.stderr, ranPlanted };
  }
}
