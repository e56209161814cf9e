/**
 * Entry point of the offline HTML report (dist/webview/report.js). Reads the HeapView embedded
 * in `<script type="application/json" id="heap-data">`, checks it, and renders the report; any
 * problem becomes a readable message on the page instead of a blank page.
 */
import { validateHeapView } from '../shared/heapViewGuard';
import { renderError, renderReport } from './app';

function start(): void {
  const root = document.getElementById('app') ?? document.body;
  const script = document.getElementById('heap-data');
  if (!script) {
    renderError(root, 'The page contains no heap data (no element with id "heap-data").');
    return;
  }
  let data: unknown;
  try {
    data = JSON.parse(script.textContent ?? '');
  } catch (e) {
    renderError(root, `The embedded heap data is not valid JSON: ${(e as Error).message}`);
    return;
  }
  const check = validateHeapView(data);
  if (!check.ok) {
    renderError(
      root,
      `The embedded heap data is not a heap view this report can show: ${check.error}.`,
    );
    return;
  }
  try {
    renderReport(root, check.view, check.notes);
  } catch (e) {
    renderError(root, `Drawing the report failed: ${(e as Error).message ?? String(e)}`);
    throw e;
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}
