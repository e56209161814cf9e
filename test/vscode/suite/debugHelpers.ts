/**
 * Debug-session helpers for the extension-host tests: start a real debugpy session (through the
 * `debugpy` debug type, served here by the stand-in) stopped at a marked line, evaluate in it, stop
 * it. Everything runs inside the extension host.
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { PanelInfo } from '../../../extension/panel/heapPanel';
import { waitFor, withTimeout } from './support';

export const EXTENSION_ID = 'python-heap-inspector.python-heap-inspector';

export interface HeapInspectorApi {
  panels(): PanelInfo[];
  captureStatus(): string | undefined;
  busy(): boolean;
  languageServerRunning(): boolean;
}

export async function api(): Promise<HeapInspectorApi> {
  const ext = vscode.extensions.getExtension<HeapInspectorApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export async function workspaceFile(
  name: string,
  marker: string,
): Promise<{ uri: vscode.Uri; line: number }> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, name);
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const index = text.split('\n').findIndex((l) => l.includes(marker));
  assert.ok(index >= 0, `${name} has no "${marker}" line`);
  return { uri, line: index + 1 };
}

export interface PausedSession {
  session: vscode.DebugSession;
  threadId: number;
  frameId: number;
  evaluate(expression: string, context?: string): Promise<string>;
  /** Names in the frame's "Locals" scope, as the Variables view shows them. */
  localNames(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts a debugpy session on `uri` and waits until it stops at `line` (1-based). */
export async function startPaused(
  uri: vscode.Uri,
  line: number,
  name = 'Heap Inspector test',
): Promise<PausedSession> {
  const python = process.env.HEAP_INSPECTOR_PYTHON || 'python3';
  const bp = new vscode.SourceBreakpoint(
    new vscode.Location(uri, new vscode.Position(line - 1, 0)),
  );
  vscode.debug.addBreakpoints([bp]);
  let onStopped!: (v: { session: vscode.DebugSession; threadId: number }) => void;
  const stopped = new Promise<{ session: vscode.DebugSession; threadId: number }>(
    (r) => (onStopped = r),
  );
  const tracker = vscode.debug.registerDebugAdapterTrackerFactory('debugpy', {
    createDebugAdapterTracker: (s) => ({
      onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
        if (m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped') {
          const body = (m as DebugProtocol.StoppedEvent).body;
          // An entry stop is the start-up garbage collection (heapInspector.debug.collectStartupGarbage).
          if (s.name === name && body.reason !== 'entry')
            onStopped({ session: s, threadId: body.threadId ?? 0 });
        }
      },
    }),
  });
  try {
    const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'debugpy',
      request: 'launch',
      name,
      program: uri.fsPath,
      cwd: dirname(uri.fsPath),
      python,
      console: 'internalConsole',
      justMyCode: true,
    });
    assert.equal(started, true, 'startDebugging returned false');
    const { session, threadId } = await withTimeout(
      stopped,
      30_000,
      `a stop at line ${line} (python ${python})`,
    );
    const trace = (await session.customRequest('stackTrace', {
      threadId,
      startFrame: 0,
      levels: 1,
    })) as DebugProtocol.StackTraceResponse['body'];
    assert.equal(trace.stackFrames[0].line, line, 'stopped on the wrong line');
    const top = trace.stackFrames[0].id;
    const frame = await waitFor(
      () => {
        const item = vscode.debug.activeStackItem;
        return item instanceof vscode.DebugStackFrame &&
          item.session.id === session.id &&
          item.frameId === top
          ? item
          : undefined;
      },
      10_000,
      'the stopped frame to be selected',
    );
    return {
      session,
      threadId,
      frameId: frame.frameId,
      evaluate: async (expression, context = 'repl') =>
        (
          (await session.customRequest('evaluate', {
            expression,
            frameId: frame.frameId,
            context,
          })) as DebugProtocol.EvaluateResponse['body']
        ).result,
      localNames: async () => {
        const scopes = (await session.customRequest('scopes', {
          frameId: frame.frameId,
        })) as DebugProtocol.ScopesResponse['body'];
        const locals = scopes.scopes.find((sc) => /^locals$/i.test(sc.name)) ?? scopes.scopes[0];
        const vars = (await session.customRequest('variables', {
          variablesReference: locals.variablesReference,
        })) as DebugProtocol.VariablesResponse['body'];
        return vars.variables.map((v) => v.name).filter((n) => !/ variables$/.test(n));
      },
      stop: () => stopSession(session),
    };
  } finally {
    tracker.dispose();
    vscode.debug.removeBreakpoints([bp]);
  }
}

export async function stopSession(session: vscode.DebugSession): Promise<void> {
  let ended = false;
  const sub = vscode.debug.onDidTerminateDebugSession((s) => {
    if (s.id === session.id) ended = true;
  });
  try {
    await vscode.debug.stopDebugging(session).then(undefined, () => undefined);
    await waitFor(
      () => (ended || !vscode.debug.activeDebugSession ? true : undefined),
      15_000,
      'the session to end',
    );
  } finally {
    sub.dispose();
  }
}

function heapInspectorTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => /^heap-inspector-(?!runner|probe)/.test(n));
}

/** Such folders that existed before the suite ran (another program's, on a shared machine). */
const PREEXISTING = new Set(heapInspectorTempDirs());

/** Temporary folders the extension created for captures (`heap-inspector-*`) and left behind. */
export function captureTempDirs(): string[] {
  return heapInspectorTempDirs().filter((n) => !PREEXISTING.has(n));
}

/** Expected numbers passed in by the outer test (the CLI's JSON for the same program/line). */
export interface Expected {
  unreachable: number;
  cycles: number;
  finalizers: number;
  byType: Record<string, number>;
}

export function expectedFor(key: string): Expected | undefined {
  const raw = process.env.HEAP_INSPECTOR_E2E_EXPECTED;
  if (!raw) return undefined;
  return (JSON.parse(raw) as Record<string, Expected>)[key];
}
