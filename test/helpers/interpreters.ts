/**
 * The CPython interpreters installed here that tests run programs under: pyenv's versions
 * (`~/.pyenv/versions/3.X.Y`, 3.8 and later unless asked otherwise) and Debian's
 * `/usr/bin/python3`. One list, so that every suite checks the same versions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Interpreter {
  /** `3.11.7`, or `3.11.2 (/usr/bin/python3)` for the system one. */
  label: string;
  /** `3.11.7`, or `system`. */
  version: string;
  python: string;
}

export interface InterpreterOptions {
  /** The oldest minor version of 3 to list (default 8). */
  minMinor?: number;
  /** Include Debian's /usr/bin/python3 (default true). */
  system?: boolean;
}

const SYSTEM_PYTHON = '/usr/bin/python3';

export function installedInterpreters(options: InterpreterOptions = {}): Interpreter[] {
  const minMinor = options.minMinor ?? 8;
  const found: Interpreter[] = [];
  const root = join(homedir(), '.pyenv', 'versions');
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort()) {
      const match = /^3\.(\d+)\.\d+$/.exec(version);
      const python = join(root, version, 'bin', 'python');
      if (match && Number(match[1]) >= minMinor && existsSync(python))
        found.push({ label: version, version, python });
    }
  }
  if ((options.system ?? true) && existsSync(SYSTEM_PYTHON)) {
    const probe = spawnSync(
      SYSTEM_PYTHON,
      ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const version = probe.stdout?.trim() ?? '';
    if (probe.status === 0 && /^3\.\d+/.test(version) && Number(version.split('.')[1]) >= minMinor)
      found.push({
        label: `${version} (${SYSTEM_PYTHON})`,
        version: 'system',
        python: SYSTEM_PYTHON,
      });
  }
  return found;
}
