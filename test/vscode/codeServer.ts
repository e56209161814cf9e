/**
 * A real VS Code for tests: code-server (the VS Code workbench and Node extension host, served to a
 * browser) driven by Debian's chromium through playwright-core. See docs/testing-in-vscode.md.
 *
 *   const bin = ensureCodeServer();                      // scripts/vscode-e2e/ensure-code-server.mjs
 *   const vsc = await CodeServer.start({ codeServerBin: bin, label: 'smoke',
 *                                        installExtensions: ['test/vscode/fixtures/debugpy-standin'] });
 *   try {
 *     const wb = await vsc.openWorkbench({ folder });                 // or, for an extension test suite:
 *     // const wb = await vsc.openWorkbench({ folder, extensionDevelopmentPath: repoRoot,
 *     //                                      extensionTestsPath: 'out/vscode-suite/index.js' });
 *     // const code = await wb.exitCode;                             // window.codeAutomationExit(code)
 *     await wb.runCommand('Heap Inspector: Show Log');
 *     await wb.screenshot('smoke');                                   // test-output/vscode/smoke.png
 *   } finally {
 *     await vsc.close();                                              // no stray processes, ever
 *   }
 *
 * Everything runs in a scratch folder (user data, extensions, XDG dirs, TMPDIR, the browser's HOME)
 * that close() removes. Logs are kept in the output folder (test-output/vscode/ by default):
 *   <label>.console.log      the page console: workbench messages and extension-host console.log lines
 *   <label>.code-server.log  code-server's stdout/stderr
 *   <label>.logs/            VS Code's own log folders (server side, and the browser side that the
 *                            workbench hands to codeAutomationExit), copied at close()
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserServer } from 'playwright-core';
import { Workbench } from './workbench';

export { Workbench };

// This file may be loaded as CommonJS (tsx; the package has no "type": "module") or as ESM. tsx
// provides import.meta.url in both; __dirname is the fallback for other CommonJS loaders.
function moduleDir(): string {
  try {
    if (import.meta.url) return dirname(fileURLToPath(import.meta.url));
  } catch {
    /* no import.meta here */
  }
  return __dirname;
}
const HERE = moduleDir();
export const REPO_ROOT = resolve(HERE, '..', '..');
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output', 'vscode');
const ENSURE_SCRIPT = join(REPO_ROOT, 'scripts', 'vscode-e2e', 'ensure-code-server.mjs');

/** Runs scripts/vscode-e2e/ensure-code-server.mjs (quick when cached) and returns the launcher path. */
export function ensureCodeServer(): string {
  if (process.env.HEAP_INSPECTOR_CODE_SERVER) return process.env.HEAP_INSPECTOR_CODE_SERVER;
  const r = spawnSync(process.execPath, [ENSURE_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60_000,
  });
  const bin = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !bin || !existsSync(bin)) {
    throw new Error(
      `ensure-code-server.mjs failed (status ${r.status}): ${r.error?.message ?? ''}`,
    );
  }
  return bin;
}

/**
 * The interpreter for Python debug sessions: $HEAP_INSPECTOR_PYTHON, else the first of python3 and
 * /usr/bin/python3 that can import debugpy. Undefined when none can.
 */
export function findDebugpyPython(): string | undefined {
  const candidates = process.env.HEAP_INSPECTOR_PYTHON
    ? [process.env.HEAP_INSPECTOR_PYTHON]
    : ['python3', '/usr/bin/python3', 'python'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import sys, debugpy; print(sys.executable)'], {
      encoding: 'utf8',
    });
    // Resolve to an absolute interpreter: the extension host's PATH need not match ours.
    if (r.status === 0) return r.stdout.trim() || python;
  }
  return undefined;
}

export interface CodeServerOptions {
  /** The code-server launcher; default: ensureCodeServer(). */
  codeServerBin?: string;
  /** Names this run's log files and scratch folder. */
  label?: string;
  /** Where logs and screenshots go; default test-output/vscode/. */
  outputDir?: string;
  /** Extension folders (each with a package.json) copied into the extensions dir before start. */
  installExtensions?: string[];
  /** Extra user settings, merged over the seeded ones. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host and debug adapters). */
  env?: Record<string, string | undefined>;
  /** Headless browser (default true; HEAP_INSPECTOR_HEADED=1 shows it when a display exists). */
  headless?: boolean;
  /** Browser viewport; default 1440×900. */
  viewport?: { width: number; height: number };
  /** Keep the scratch folder after close() (also: HEAP_INSPECTOR_KEEP_SCRATCH=1). */
  keepScratch?: boolean;
}

export interface OpenOptions {
  /** Folder to open in the workbench (absolute path). */
  folder: string;
  /** The extension under development (absolute path; usually the repo root). */
  extensionDevelopmentPath?: string;
  /** Compiled test-suite entry exporting run() (absolute, or relative to the repo root). */
  extensionTestsPath?: string;
  /**
   * Also wait for a row in the Explorer (default false). Only for a fresh user-data dir: a second
   * page restores the previous window's layout, which may show another view.
   */
  waitForExplorer?: boolean;
}

const SEEDED_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
};

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Settles with `p`, or with undefined after `ms` (the timer never keeps the process alive). */
async function settleWithin<T>(p: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | number | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/** Process groups still to kill if this process exits without close() (a crash, a timeout). */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

export class CodeServer {
  readonly label: string;
  readonly outputDir: string;
  readonly scratch: string;
  readonly dirs: Record<
    'userData' | 'extensions' | 'tmp' | 'xdgConfig' | 'xdgData' | 'xdgCache' | 'browserHome',
    string
  >;
  readonly consoleLog: string;
  readonly serverLog: string;
  port = 0;
  private child?: ChildProcess;
  private browserServer?: BrowserServer;
  private browser?: Browser;
  private context?: BrowserContext;
  private workbenches: Workbench[] = [];
  private closed = false;

  private constructor(private readonly opts: CodeServerOptions) {
    this.label = opts.label ?? 'vscode';
    this.outputDir = opts.outputDir ?? OUTPUT_DIR;
    mkdirSync(this.outputDir, { recursive: true });
    // Short path: the extension host puts unix sockets under TMPDIR (108-byte limit).
    this.scratch = mkdtempSync(join(tmpdir(), `hi-vsc-${this.label.slice(0, 16)}-`));
    const d = (name: string) => {
      const p = join(this.scratch, name);
      mkdirSync(p, { recursive: true });
      return p;
    };
    this.dirs = {
      userData: d('user-data'),
      extensions: d('extensions'),
      tmp: d('tmp'),
      xdgConfig: d('xdg-config'),
      xdgData: d('xdg-data'),
      xdgCache: d('xdg-cache'),
      browserHome: d('browser-home'),
    };
    this.consoleLog = join(this.outputDir, `${this.label}.console.log`);
    this.serverLog = join(this.outputDir, `${this.label}.code-server.log`);
    writeFileSync(this.consoleLog, '');
    writeFileSync(this.serverLog, '');
    rmSync(join(this.outputDir, `${this.label}.logs`), { recursive: true, force: true });
  }

  /** Starts code-server (ready when /healthz answers) and a headless chromium. */
  static async start(opts: CodeServerOptions = {}): Promise<CodeServer> {
    const cs = new CodeServer(opts);
    try {
      cs.seed();
      await cs.startServer(opts.codeServerBin ?? ensureCodeServer());
      await cs.startBrowser();
      return cs;
    } catch (e) {
      await cs.close();
      throw e;
    }
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A `vscode-remote://` URI for a path on this machine (what the URL payload expects). */
  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absPath}`;
  }

  /** The workbench URL for a folder, with the extension-development payload if asked. */
  workbenchUrl(o: OpenOptions): string {
    const payload: [string, string][] = [];
    if (o.extensionDevelopmentPath) {
      payload.push([
        'extensionDevelopmentPath',
        this.remoteUri(resolve(o.extensionDevelopmentPath)),
      ]);
    }
    if (o.extensionTestsPath) {
      const tests = isAbsolute(o.extensionTestsPath)
        ? o.extensionTestsPath
        : join(REPO_ROOT, o.extensionTestsPath);
      payload.push(['extensionTestsPath', this.remoteUri(tests)]);
    }
    let url = `${this.baseUrl}/?folder=${encodeURIComponent(o.folder)}`;
    if (payload.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return url;
  }

  /** Opens the workbench in a new page and waits until it is usable. */
  async openWorkbench(o: OpenOptions): Promise<Workbench> {
    if (!this.context) throw new Error('browser not started');
    const page = await this.context.newPage();
    const wb = new Workbench(this, page);
    this.workbenches.push(wb);
    await wb.load(this.workbenchUrl(o), o.waitForExplorer ?? false);
    return wb;
  }

  /** Screenshots every workbench page still open as <prefix>-<n>.png (for failure reports). */
  async screenshotOpenPages(prefix: string): Promise<string[]> {
    const paths: string[] = [];
    for (const [i, wb] of this.workbenches.entries()) {
      if (wb.page.isClosed()) continue;
      try {
        paths.push(await wb.screenshot(`${prefix}-${i + 1}`));
      } catch {
        /* page unusable */
      }
    }
    return paths;
  }

  /** Appends a line to the console log (used by Workbench). */
  logConsole(line: string): void {
    appendFileSync(this.consoleLog, `${line}\n`);
  }

  private seed(): void {
    const userDir = join(this.dirs.userData, 'User');
    mkdirSync(userDir, { recursive: true });
    writeFileSync(
      join(userDir, 'settings.json'),
      `${JSON.stringify({ ...SEEDED_SETTINGS, ...(this.opts.settings ?? {}) }, null, 2)}\n`,
    );
    for (const ext of this.opts.installExtensions ?? []) this.installExtensionFolder(ext);
  }

  /**
   * Copies an unpacked extension folder into the extensions dir as <publisher>.<name>-<version>
   * (picked up when code-server starts: call before start, i.e. through `installExtensions`).
   */
  installExtensionFolder(folder: string): string {
    const src = resolve(REPO_ROOT, folder);
    const manifest = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as {
      publisher: string;
      name: string;
      version: string;
    };
    const dest = join(
      this.dirs.extensions,
      `${manifest.publisher}.${manifest.name}-${manifest.version}`,
    );
    cpSync(src, dest, { recursive: true });
    return dest;
  }

  private async startServer(bin: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const args = [
        '--config',
        '/dev/null',
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${this.port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--user-data-dir',
        this.dirs.userData,
        '--extensions-dir',
        this.dirs.extensions,
      ];
      appendFileSync(this.serverLog, `$ ${bin} ${args.join(' ')}\n`);
      const child = spawn(bin, args, {
        env: {
          ...process.env,
          EXTENSIONS_GALLERY: '{}',
          TMPDIR: this.dirs.tmp,
          XDG_CONFIG_HOME: this.dirs.xdgConfig,
          XDG_DATA_HOME: this.dirs.xdgData,
          XDG_CACHE_HOME: this.dirs.xdgCache,
          ...(this.opts.env ?? {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: close() ends the whole tree
      });
      this.child = child;
      if (child.pid) liveGroups.add(child.pid);
      let output = '';
      const onData = (d: Buffer) => {
        output += d;
        appendFileSync(this.serverLog, d);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);

      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        try {
          const res = await fetch(`${this.baseUrl}/healthz`);
          if (res.ok) return;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline)
          throw new Error(`code-server did not answer /healthz in 30 s (see ${this.serverLog})`);
        await sleep(200);
      }
      await this.stopServer();
      if (attempt >= 3 || !/EADDRINUSE/.test(output)) {
        throw new Error(`code-server exited with ${this.child?.exitCode} (see ${this.serverLog})`);
      }
    }
  }

  private async startBrowser(): Promise<void> {
    const headless = this.opts.headless ?? process.env.HEAP_INSPECTOR_HEADED !== '1';
    const home = this.dirs.browserHome;
    // launchServer rather than launch: it exposes the browser process, so close() can make sure
    // the whole chromium process group is gone even if a graceful close hangs.
    this.browserServer = await chromium.launchServer({
      executablePath: process.env.HEAP_INSPECTOR_CHROMIUM ?? '/usr/bin/chromium',
      headless,
      args: CHROMIUM_ARGS,
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(home, '.cache'),
        XDG_DATA_HOME: join(home, '.local', 'share'),
      },
      timeout: 60_000,
    });
    const pid = this.browserServer.process().pid;
    if (pid) liveGroups.add(pid); // playwright starts chromium detached: pid is its process group
    this.browser = await chromium.connect(this.browserServer.wsEndpoint());
    this.context = await this.browser.newContext({
      viewport: this.opts.viewport ?? { width: 1440, height: 900 },
      deviceScaleFactor: 1,
    });
    // Every frame (webviews included) records Content-Security-Policy violations, so that a test
    // can check a webview's page ran under its policy without any being refused.
    await this.context.addInitScript(() => {
      const w = window as unknown as { __cspViolations?: string[] };
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        w.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  }

  private async stopServer(): Promise<void> {
    const child = this.child;
    const pgid = child?.pid;
    if (!child || !pgid) return;
    killGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(pgid)) {
      appendFileSync(this.serverLog, '[harness] code-server did not stop on SIGTERM: SIGKILL\n');
      killGroup(pgid, 'SIGKILL');
      for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(50);
    }
    liveGroups.delete(pgid);
    this.child = undefined;
  }

  /** Closes the browser and code-server (whole process group), copies logs, removes scratch. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    for (const wb of this.workbenches) {
      try {
        wb.saveBrowserLogs();
      } catch (e) {
        errors.push(e);
      }
    }
    try {
      await settleWithin(this.browser?.close(), 10_000);
      await settleWithin(this.browserServer?.close(), 10_000);
    } catch (e) {
      errors.push(e);
    }
    const browserPid = this.browserServer?.process().pid;
    if (browserPid) {
      // close() resolves when the browser process exits; its children follow within moments.
      for (let i = 0; i < 60 && groupAlive(browserPid); i++) await sleep(50);
      if (groupAlive(browserPid)) {
        console.error('[codeServer] chromium did not close: SIGKILL');
        killGroup(browserPid, 'SIGKILL');
        for (let i = 0; i < 100 && groupAlive(browserPid); i++) await sleep(50);
      }
      liveGroups.delete(browserPid);
    }
    try {
      await this.stopServer();
    } catch (e) {
      errors.push(e);
    }
    try {
      const logs = join(this.dirs.userData, 'logs');
      if (existsSync(logs))
        cpSync(logs, join(this.outputDir, `${this.label}.logs`, 'server'), { recursive: true });
    } catch (e) {
      errors.push(e);
    }
    const keep = this.opts.keepScratch ?? process.env.HEAP_INSPECTOR_KEEP_SCRATCH === '1';
    if (keep) console.error(`[codeServer] scratch kept: ${this.scratch}`);
    else rmSync(this.scratch, { recursive: true, force: true, maxRetries: 3 });
    if (errors.length > 0) console.error('[codeServer] errors while closing:', ...errors);
  }
}
