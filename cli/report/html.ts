/**
 * The offline HTML report: one self-contained file with the report bundle (dist/webview/report.js
 * and .css) inlined under a strict nonce-based CSP (scripts and styles by nonce only, no eval;
 * `worker-src blob:` for the layout worker), and the HeapView embedded as inert JSON.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView } from '../../protocol/heapView';
import type { StepperData } from '../../protocol/messages';

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

const PRIVACY_STYLE = `#privacy-note {
  margin: 0;
  padding: 6px 20px;
  font: 12px/1.4 var(--hi-font, system-ui, sans-serif);
  color: var(--hi-fg, inherit);
  background: var(--hi-code-bg, rgba(128, 128, 128, 0.12));
  border-bottom: 1px solid rgba(128, 128, 128, 0.3);
}`;

/**
 * JSON text made safe to embed in an HTML `<script>` element: `<`, `>`, `&` and the JavaScript
 * line terminators U+2028/U+2029 become `\u003c`-style escapes. The result is still valid JSON
 * that parses to the same value, and no Python string (`</script>`, `<!--`) can end the element.
 */
export function escapeJsonForHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function escapeHtmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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

/** The bundle, made safe to inline: no source map fetch, nothing that can close the element. */
function inlineScript(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/<\/(script)/gi, '<\\/$1')
    .trimEnd();
}

function inlineStyle(css: string): string {
  return css.replace(/^\/\*# sourceMappingURL=.*\*\/$/gm, '').replace(/<\/(style)/gi, '<\\/$1');
}

export function renderHtmlReport(view: HeapView, opts: HtmlReportOptions = {}): string {
  const js = inlineScript(readAsset('report.js'));
  const css = inlineStyle(readAsset('report.css'));
  const nonce = randomBytes(18).toString('base64');
  const c = view.summary?.capture;
  const title =
    opts.title ??
    (c ? `Python heap report — ${path.basename(String(c.file))}:${c.line}` : 'Python heap report');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    // The graph layout runs in a worker made from a Blob of inlined code; PNG export uses blob:.
    'worker-src blob:',
    'img-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const data = escapeJsonForHtml(JSON.stringify(view));
  const stepper = opts.stepper
    ? `\n<script type="application/json" id="stepper-data">${escapeJsonForHtml(JSON.stringify(opts.stepper))}</script>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<meta name="generator" content="python-heap-inspector">
<title>${escapeHtmlText(title)}</title>
<style nonce="${nonce}">
${css}
${PRIVACY_STYLE}
</style>
</head>
<body>
<p id="privacy-note" role="note">${escapeHtmlText(privacyNote(opts.redacted === true))}</p>
<main id="app"><noscript>This heap report needs JavaScript to draw the object graph.</noscript></main>
<script type="application/json" id="heap-data">${data}</script>${stepper}
<script nonce="${nonce}">
${js}
</script>
</body>
</html>
`;
}
