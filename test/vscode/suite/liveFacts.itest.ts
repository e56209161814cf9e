/**
 * Live facts inside the real extension host (test/vscode/liveFacts.test.ts runs these in
 * code-server): a real debugpy session paused in test/vscode/fixtures/live-workspace/leak_demo.py
 * (whose workspace turns `heapInspector.trackAllocations` on, so the session runs with
 * tracemalloc), Inspect Heap Here, then what the editor shows: the hover on names of the paused
 * frame and up the stack, the allocation-site decorations, the class CodeLens, the diagnostics
 * with their live sentence and rule link, "Show in Heap Graph". At a checkpoint the outer test
 * hovers with the mouse and takes screenshots. Then the program resumes (the facts go), and the
 * agent's runner runs the file with tracking off, then on.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { checkpoint, sleep, type ITest, waitFor } from './support';
import {
  api as baseApi,
  startPaused,
  stopSession,
  workspaceFile,
  type PausedSession,
} from './debugHelpers';

const PROGRAM = 'leak_demo.py';

interface LiveFactsApi {
  current(): { snapshotId: string; panelKey: string; sessionId?: string } | null;
  decorations(uri: string): { line: number; text: string; hover: string }[];
  settled(): Promise<void>;
}

interface Api extends Awaited<ReturnType<typeof baseApi>> {
  liveFacts: LiveFactsApi;
}

async function api(): Promise<Api> {
  return (await baseApi()) as Api;
}

interface Outcome {
  panelTitle: string;
  snapshotId: string;
  unreachable: number;
}

function markdownOf(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? [])
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n---\n');
}

async function hoverAt(uri: vscode.Uri, line: number, word: string): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const col = doc.lineAt(line).text.indexOf(word);
  assert.ok(col >= 0, `no ${word} on line ${line + 1}`);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    uri,
    new vscode.Position(line, col + 1),
  );
  return markdownOf(hovers);
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
    'vscode.executeCodeLensProvider',
    uri,
    10,
  );
  return (lenses ?? []).map((l) => l.command?.title ?? '').filter((t) => t.includes('Heap'));
}

function lineOf(doc: vscode.TextDocument, marker: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(marker)) return i;
  throw new Error(`no "${marker}" in ${doc.fileName}`);
}

/** Polls an async probe until it returns something other than undefined. */
async function eventually<T>(
  probe: () => Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(150);
  }
}

async function decorationsOf(heap: Api, uri: vscode.Uri) {
  await heap.liveFacts.settled();
  return heap.liveFacts.decorations(uri.toString());
}

let paused: PausedSession | undefined;

export const tests: ITest[] = [
  {
    name: 'live facts: a paused capture feeds the hover, the decorations, the CodeLens and the diagnostics',
    timeoutMs: 150_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, '# PAUSE HERE');
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      // Before any capture: the lint diagnostics, with their rule page, and no live facts.
      const diags = await waitFor(
        () => {
          const d = vscode.languages
            .getDiagnostics(uri)
            .filter((x) => x.source === 'heap-inspector');
          return d.length >= 4 ? d : undefined;
        },
        20_000,
        'the lint diagnostics',
      );
      const hi001 = diags.find((d) => typeof d.code === 'object' && d.code.value === 'HI001');
      assert.ok(hi001 && typeof hi001.code === 'object');
      assert.match(String(hi001.code.target), /docs\/rules\/HI001\.md$/);
      assert.deepEqual(await lensTitles(uri), []);
      assert.equal(heap.liveFacts.current(), null);

      paused = await startPaused(uri, line, 'Live facts test');
      // What the Variables view does once the program stops, before the capture: the hover must
      // tell the program's own cycles all the same (pydevd then holds every value it showed).
      assert.ok((await paused.localNames()).includes('current'));
      const outcome = (await vscode.commands.executeCommand('heapInspector.inspectHere')) as
        Outcome | undefined;
      assert.ok(outcome, 'Inspect Heap Here gave no outcome');
      assert.ok(
        outcome.unreachable >= 6,
        `3 Connections and their bound methods: ${outcome.unreachable}`,
      );
      await waitFor(
        () => (heap.liveFacts.current()?.snapshotId === outcome.snapshotId ? true : undefined),
        10_000,
        'the capture to become current',
      );
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);

      // Decorations: the lines that allocated the unreachable and the stuck objects.
      const conns = lineOf(doc, '# ALLOCATES CONNECTIONS');
      const scratch = lineOf(doc, '# ALLOCATES A WORKSPACE');
      const decorated = await eventually(
        async () => {
          const d = await decorationsOf(heap, uri);
          return d.some((x) => x.line === conns) && d.some((x) => x.line === scratch)
            ? d
            : undefined;
        },
        15_000,
        'allocation-site decorations (is tracemalloc on in the debuggee?)',
      );
      const connSite = decorated.find((x) => x.line === conns)!;
      assert.equal(
        connSite.text,
        '3 Connection instances allocated here: unreachable, the next gc.collect() frees them',
      );
      assert.match(
        connSite.hover,
        /This line allocated 3 objects the next `gc\.collect\(\)` frees/,
      );
      assert.match(connSite.hover, /command:heapInspector\.showInGraph/);
      assert.match(
        decorated.find((x) => x.line === scratch)!.text,
        /1 Workspace instance allocated here: kept alive by its own weakref\.finalize, never freed/,
      );

      // Hover on a local of the paused frame, on an attribute chain, on a global up the stack.
      const currentLine = lineOf(doc, 'current = Connection(pool, "current")');
      const current = await hoverAt(uri, currentLine, 'current');
      assert.match(current, /\*\*current\*\*: `Connection` at `0x[0-9a-f]+`/);
      assert.match(
        current,
        /local of `serve\(\)`, the paused frame · latest capture: serve\(\) · leak\\_demo\.py:\d+/,
      );
      assert.match(current, /In a reference cycle\*\* of 2 objects/);
      assert.match(current, /does not free it: it is still reachable/);
      assert.match(current, /`__del__` pending/);
      assert.match(current, new RegExp(`Allocated at\\*\\* leak\\\\_demo\\.py:${currentLine + 1}`));
      assert.match(current, /Show in Heap Graph\]\(command:heapInspector\.showInGraph\?/);
      const workspace = await hoverAt(uri, lineOf(doc, 'workspace = Workspace()'), 'workspace');
      assert.match(workspace, /Never freed before exit/);
      const up = await hoverAt(uri, lineOf(doc, 'open_connections(pool, 3)'), 'pool');
      assert.match(up, /\*\*pool\*\*: `set`/);
      assert.match(up, /local of `main\(\)`, 1 frame up the stack/);
      const global = await hoverAt(uri, lineOf(doc, 'main(shared)'), 'shared');
      assert.match(global, /global of `__main__`/);
      const inOpen = await hoverAt(uri, conns, 'conn');
      assert.equal(inOpen, '', 'open_connections() is not running: no facts there');

      // CodeLens on the classes.
      const lenses = await eventually(
        async () => {
          const t = await lensTitles(uri);
          return t.length >= 2 ? t : undefined;
        },
        10_000,
        'CodeLens',
      );
      assert.ok(
        lenses.includes('$(pulse) Heap: 4 live instances · 4 in cycles · 3 unreachable'),
        JSON.stringify(lenses),
      );
      assert.ok(
        lenses.some((t) => /2 live instances .* 2 kept alive by weakref\.finalize/.test(t)),
        JSON.stringify(lenses),
      );

      // The diagnostics now say what the capture shows.
      await waitFor(
        () =>
          vscode.languages
            .getDiagnostics(uri)
            .some((d) =>
              /Right now 3 instances of Connection are in unreachable cycles/.test(d.message),
            )
            ? true
            : undefined,
        10_000,
        'the live sentence in the HI001 diagnostic',
      );

      // Show in Heap Graph, from the hover's link.
      const link = /command:heapInspector\.showInGraph\?([^)\s]+)/.exec(current)![1];
      const [args] = JSON.parse(decodeURIComponent(link)) as [
        { snapshotId: string; address: string },
      ];
      const shown = (await vscode.commands.executeCommand('heapInspector.showInGraph', args)) as {
        shown: boolean;
      };
      assert.deepEqual(shown, { shown: true });
      const panel = heap.panels().find((p) => p.snapshotId === outcome.snapshotId);
      assert.equal(panel?.focusAddress, args.address);

      // The editor alone, for the screenshots the outer test takes with the mouse.
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('notifications.clearAll');
      const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
      editor.revealRange(
        new vscode.Range(conns - 6, 0, currentLine + 4, 0),
        vscode.TextEditorRevealType.InCenter,
      );
      await sleep(500);
      await checkpoint('live-facts-ui', { file: PROGRAM }, 90_000);
      editor.revealRange(new vscode.Range(0, 0, 1, 0), vscode.TextEditorRevealType.AtTop);
      await sleep(500);
      await checkpoint('live-facts-top', { file: PROGRAM }, 60_000);
    },
  },
  {
    name: 'live facts go when the program resumes',
    timeoutMs: 60_000,
    fn: async () => {
      assert.ok(paused, 'needs the paused session of the previous test');
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, '# AFTER SERVE');
      const bp = new vscode.SourceBreakpoint(
        new vscode.Location(uri, new vscode.Position(line - 1, 0)),
      );
      vscode.debug.addBreakpoints([bp]);
      try {
        await paused.session.customRequest('continue', { threadId: paused.threadId });
        await waitFor(
          () => (heap.liveFacts.current() === null ? true : undefined),
          10_000,
          'the facts to go',
        );
        const doc = await vscode.workspace.openTextDocument(uri);
        await eventually(
          async () => ((await decorationsOf(heap, uri)).length === 0 ? true : undefined),
          10_000,
          'the decorations to go',
        );
        assert.deepEqual(await lensTitles(uri), []);
        assert.equal(await hoverAt(uri, lineOf(doc, 'current = Connection'), 'current'), '');
        await waitFor(
          () =>
            vscode.languages.getDiagnostics(uri).every((d) => !/Right now/.test(d.message))
              ? true
              : undefined,
          10_000,
          'the diagnostics without live facts',
        );
      } finally {
        vscode.debug.removeBreakpoints([bp]);
        await stopSession(paused.session);
        paused = undefined;
      }
    },
  },
  {
    name: 'the runner honours heapInspector.trackAllocations, and the hover says when it is off',
    timeoutMs: 90_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, '# PAUSE HERE');
      const config = vscode.workspace.getConfiguration('heapInspector');
      const doc = await vscode.workspace.openTextDocument(uri);
      try {
        await config.update('trackAllocations', false, vscode.ConfigurationTarget.Workspace);
        const off = (await vscode.commands.executeCommand('heapInspector.inspectHere', {
          file: uri.fsPath,
          line,
          method: 'runner',
        })) as Outcome | undefined;
        assert.ok(off, 'the runner captured nothing');
        await waitFor(
          () => (heap.liveFacts.current()?.snapshotId === off.snapshotId ? true : undefined),
          10_000,
          'the runner capture to become current',
        );
        await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
        assert.deepEqual(
          await decorationsOf(heap, uri),
          [],
          'no allocation sites without tracemalloc',
        );
        const hover = await hoverAt(uri, lineOf(doc, 'current = Connection'), 'current');
        assert.match(hover, /allocation tracking is off/);

        await config.update('trackAllocations', true, vscode.ConfigurationTarget.Workspace);
        const on = (await vscode.commands.executeCommand('heapInspector.inspectHere', {
          file: uri.fsPath,
          line,
          method: 'runner',
        })) as Outcome | undefined;
        assert.ok(on);
        await waitFor(
          () => (heap.liveFacts.current()?.snapshotId === on.snapshotId ? true : undefined),
          10_000,
          'the second runner capture to become current',
        );
        await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
        const sites = await eventually(
          async () => {
            const d = await decorationsOf(heap, uri);
            return d.length >= 2 ? d : undefined;
          },
          10_000,
          'decorations from the runner capture',
        );
        assert.ok(sites.some((s) => s.line === lineOf(doc, '# ALLOCATES CONNECTIONS')));
      } finally {
        await config.update('trackAllocations', true, vscode.ConfigurationTarget.Workspace);
      }
    },
  },
];
