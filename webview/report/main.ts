/**
 * Entry point of the heap view bundle (dist/webview/report.js), for both hosts:
 *
 * - the offline HTML report: the HeapView is embedded in `<script type="application/json"
 *   id="heap-data">`; paths and neighbourhoods are answered from it;
 * - the VS Code panel (`acquireVsCodeApi` exists): the extension posts the view and answers
 *   requests (protocol/messages.ts), every message checked before use; the state is kept with
 *   getState/setState and reported with `stateChanged`.
 *
 * Any problem becomes a readable message on the page instead of a blank page.
 */
// The theme's tokens and the page's base styles first: every module's stylesheet builds on them.
import './theme.css';
import './page.css';
import type { StepperData } from '../../protocol/stepper';
import { embeddedSource, panelSource, type VsCodeApi } from '../model/dataSource';
import { validateHeapView } from '../validation/heapViewGuard';
import { checkToWebview } from '../validation/messageGuard';
import { validateStepperData } from '../validation/stepperGuard';
import { createApp, renderError, type App } from './app';
import { readPanelState } from './panelState';

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

function readEmbedded(
  root: HTMLElement,
): { view: Parameters<App['setView']>[0]; notes: string[] } | null | false {
  const script = document.getElementById('heap-data');
  if (!script) return null;
  let data: unknown;
  try {
    data = JSON.parse(script.textContent ?? '');
  } catch (e) {
    renderError(root, `The embedded heap data is not valid JSON: ${(e as Error).message}`);
    return false;
  }
  const check = validateHeapView(data);
  if (!check.ok) {
    renderError(
      root,
      `The embedded heap data is not a heap view this report can show: ${check.error}.`,
    );
    return false;
  }
  return { view: check.view, notes: check.notes };
}

/** The stepper data the HTML report embeds (`id="stepper-data"`), checked; null when absent or bad. */
function readStepper(cycleCount: number): StepperData | null {
  const script = document.getElementById('stepper-data');
  if (!script) return null;
  try {
    const check = validateStepperData(JSON.parse(script.textContent ?? ''), cycleCount);
    if (check.ok) return check.data;
    document.getElementById('app')?.setAttribute('data-stepper-error', check.error.slice(0, 200));
  } catch (e) {
    document.getElementById('app')?.setAttribute('data-stepper-error', String(e).slice(0, 200));
  }
  return null;
}

function start(): void {
  const root = document.getElementById('app') ?? document.body;
  const api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
  if (!api) {
    const embedded = readEmbedded(root);
    if (embedded === null) {
      renderError(root, 'The page contains no heap data (no element with id "heap-data").');
      return;
    }
    if (embedded === false) return;
    try {
      const app = createApp(root, { mode: 'report', source: embeddedSource() });
      app.setView(embedded.view, embedded.notes);
      const stepper = readStepper(embedded.view.cycles.length);
      if (stepper) app.setStepperData(stepper);
    } catch (e) {
      renderError(root, `Drawing the report failed: ${(e as Error).message ?? String(e)}`);
      throw e;
    }
    return;
  }

  const source = panelSource(api);
  let cycles = 0;
  const app = createApp(root, {
    mode: 'panel',
    source,
    initialState: readPanelState(api.getState()),
    saveState: (state) => {
      api.setState(state);
      source.post({ type: 'stateChanged', state });
    },
  });
  const embedded = readEmbedded(root);
  if (embedded) {
    cycles = embedded.view.cycles.length;
    app.setView(embedded.view, embedded.notes);
  }
  let rejected = 0;
  window.addEventListener('message', (event: MessageEvent) => {
    const check = checkToWebview(event.data, cycles);
    if (!check.ok) {
      rejected++;
      root.dataset.rejectedMessages = String(rejected);
      root.dataset.lastRejection = check.error.slice(0, 200);
      return;
    }
    const m = check.message;
    switch (m.type) {
      case 'view':
        cycles = m.view.cycles.length;
        document.title = m.title;
        app.setView(m.view, check.notes);
        break;
      case 'capturing':
        app.showCapturing(m.message);
        break;
      case 'error':
        app.showError(m.message);
        break;
      case 'path':
        source.receivePath(m.requestId, m.path);
        break;
      case 'neighbourhood':
        source.receiveNeighbourhood(m.requestId, m.neighbourhood);
        break;
      case 'focus':
        app.focusAddress(m.address);
        break;
      case 'stepper':
        source.receiveStepper(m.requestId, m.data);
        break;
      case 'dominatorChildren':
      case 'typeTops':
        source.receiveRows(m.requestId, m.page);
        break;
      case 'collection':
        app.stepper.collectionMessage(m.state, m.message);
        break;
      case 'collectionResult':
        cycles = m.before.cycles.length;
        app.stepper.collectionResult(m.before, m.stepper, m.after);
        break;
    }
  });
  source.post({ type: 'ready' });
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}
