/**
 * The HTML page the heap view runs in, as text. The offline HTML report (cli/report/html.ts), the
 * VS Code panel (extension/panel/html.ts) and the browser tests all build it here, so the three
 * cannot drift. Pure: no DOM, no file system; the caller says where the bundle comes from (inlined
 * in a self-contained file, or linked from the extension) and what the page embeds.
 *
 * Security: a Content-Security-Policy with a fresh nonce per page. Scripts and styles run only
 * with the nonce (in the panel, styles, fonts and images may also come from the bundle folder);
 * no eval, nothing remote; a worker only from a blob (the graph layout), images only inline.
 * Embedded data is JSON that no Python string can break out of, and every other text is escaped.
 */

/** The JSON blocks the bundle reads (webview/report/main.ts), by element id. */
export type EmbeddedId = 'heap-data' | 'stepper-data' | 'panel-state';

export interface PageSpec {
  title: string;
  /** From `newNonce()`: one per page. */
  nonce: string;
  /** Extra `<meta name=… content=…>` lines, in order. */
  meta?: Record<string, string>;
  /** The bundle's stylesheet: its text (inlined) or its URL (linked). */
  style: { text: string } | { href: string };
  /** The bundle: its text (inlined) or its URL; none for a page without script. */
  script?: { text: string } | { src: string };
  /**
   * A source the CSP also allows styles, fonts and images from: the VS Code panel's
   * `webview.cspSource`, which serves the linked bundle.
   */
  resourceSource?: string;
  bodyAttributes?: Record<string, string | undefined>;
  /** `<main id="app">`: its attributes, and its content as HTML (escape text with escapeHtml). */
  main: { html: string; attributes?: Record<string, string | undefined> };
  /** A line of plain text above the app (the report's privacy note), with its element id. */
  note?: { id: string; text: string };
  /** JSON blocks, in order; undefined values are left out. */
  data?: [EmbeddedId, unknown][];
}

/** A nonce for the CSP: 18 random bytes, base64. Web Crypto: the same in Node and in a browser. */
export function newNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(nonce: string, resourceSource?: string): string {
  const from = resourceSource ? `${resourceSource} ` : '';
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${from}'nonce-${nonce}'`,
    ...(resourceSource ? [`font-src ${resourceSource}`] : []),
    // PNG export makes blob: URLs; the codicons are inline SVG.
    `img-src ${from}data: blob:`,
    // The graph layout runs in a worker made from a Blob of the bundle's own code.
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Text for HTML content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

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

/** The bundle's script made safe to inline: no source map to fetch, nothing that ends the element. */
export function inlineScript(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/<\/(script)/gi, '<\\/$1')
    .trimEnd();
}

/** The bundle's stylesheet made safe to inline, likewise. */
export function inlineStyle(css: string): string {
  return css.replace(/^\/\*# sourceMappingURL=.*\*\/$/gm, '').replace(/<\/(style)/gi, '<\\/$1');
}

function attributes(attrs: Record<string, string | undefined> | undefined): string {
  return Object.entries(attrs ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
}

export function renderPage(p: PageSpec): string {
  const n = escapeHtml(p.nonce);
  const meta = Object.entries(p.meta ?? {}).map(
    ([name, content]) => `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}">\n`,
  );
  const style =
    'href' in p.style
      ? `<link rel="stylesheet" nonce="${n}" href="${escapeHtml(p.style.href)}">`
      : `<style nonce="${n}">\n${inlineStyle(p.style.text)}\n</style>`;
  const data = (p.data ?? [])
    .filter(([, value]) => value !== undefined)
    .map(
      ([id, value]) =>
        `<script type="application/json" id="${id}">${escapeJsonForHtml(JSON.stringify(value))}</script>\n`,
    );
  const script = !p.script
    ? ''
    : 'src' in p.script
      ? `<script nonce="${n}" src="${escapeHtml(p.script.src)}"></script>\n`
      : `<script nonce="${n}">\n${inlineScript(p.script.text)}\n</script>\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(p.nonce, p.resourceSource)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${meta.join('')}<title>${escapeHtml(p.title)}</title>
${style}
</head>
<body${attributes(p.bodyAttributes)}>
${p.note ? `<p id="${escapeHtml(p.note.id)}" role="note">${escapeHtml(p.note.text)}</p>\n` : ''}<main id="app"${attributes(p.main.attributes)}>${p.main.html}</main>
${data.join('')}${script}</body>
</html>
`;
}
