/**
 * The offline HTML report: one self-contained file, the page webview/page.ts builds with the
 * report bundle (dist/webview/report.js and .css) inlined and the HeapView (and the stepper's
 * numbers) embedded as inert JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView } from '../../protocol/heapView';
import type { StepperData } from '../../protocol/stepper';
import { newNonce, renderPage } from '../../webview/page';

export interface HtmlReportOptions {
  /** Text of the page's <title>; default: "Python heap report — file:line". */
  title?: string;
  /**
   * The collector stepper's numbers for the view's objects (and a real collection's comparison),
   * embedded as `<script type="application/json" id="stepper-data">`.
   */
  stepper?: StepperData;
  /** The view was made with --redact (cli/redact.ts): the privacy line says so. */
  redacted?: boolean;
}

/** The line at the top of every report: what of the program it holds. */
export function privacyNote(redacted: boolean): string {
  return redacted
    ? 'Redacted: the string values and dict keys of the program in this report are replaced by ' +
        'their length and a hash (equal strings, equal hashes). Names from the code (types, ' +
        'functions, modules, attributes, variables), numbers and file paths are shown.'
    : 'This report contains text from the program: string values (up to 60 characters), dict ' +
        'keys, attribute and variable names, file paths. Check it before sharing it, or make it ' +
        'with --redact.';
}

const here = typeof __dirname === 'string' ? __dirname : process.cwd();

/** Where the built bundle may be: next to the bundled CLI (dist/cli.js), or the repo's dist/. */
function assetCandidates(file: string): string[] {
  return [
    path.join(here, 'webview', file),
    path.resolve(here, '..', '..', 'dist', 'webview', file),
    path.resolve(here, '..', 'dist', 'webview', file),
  ];
}

function readAsset(file: string): string {
  const candidates = assetCandidates(file);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `the report bundle ${file} was not found (looked in ${candidates.join(', ')}): run "node scripts/build.mjs"`,
    );
  }
  return readFileSync(found, 'utf8');
}

export function renderHtmlReport(view: HeapView, opts: HtmlReportOptions = {}): string {
  const c = view.summary?.capture;
  const title =
    opts.title ??
    (c ? `Python heap report — ${path.basename(String(c.file))}:${c.line}` : 'Python heap report');
  return renderPage({
    title,
    nonce: newNonce(),
    meta: { 'color-scheme': 'dark light', generator: 'python-heap-inspector' },
    style: { text: readAsset('report.css') },
    script: { text: readAsset('report.js') },
    note: { id: 'privacy-note', text: privacyNote(opts.redacted === true) },
    main: {
      html: '<noscript>This heap report needs JavaScript to draw the object graph.</noscript>',
    },
    data: [
      ['heap-data', view],
      ['stepper-data', opts.stepper],
    ],
  });
}
