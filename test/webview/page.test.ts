/**
 * The page builder (webview/page.ts) the HTML report, the VS Code panel and the browser tests
 * share: the CSP of each host directive by directive, a fresh nonce, embedded JSON that no string
 * can break out of, escaped text, and an inlined bundle that cannot end its element.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  contentSecurityPolicy,
  escapeHtml,
  escapeJsonForHtml,
  inlineScript,
  inlineStyle,
  newNonce,
  renderPage,
  type PageSpec,
} from '../../webview/page';

const directives = (csp: string): string[] => csp.split('; ');

function page(over: Partial<PageSpec> = {}): string {
  return renderPage({
    title: 'Heap',
    nonce: 'bm9uY2U',
    style: { text: 'body { color: red; }' },
    script: { text: 'console.log(1);' },
    main: { html: '' },
    ...over,
  });
}

/** The JSON block with this id, parsed the way the bundle reads it. */
function embedded(html: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  assert.ok(m, `#${id} is embedded`);
  return JSON.parse(m[1]);
}

describe('the page builder', () => {
  test('the report CSP: nonce only for scripts and styles, a blob worker, inline images, nothing else', () => {
    assert.deepEqual(directives(contentSecurityPolicy('N')), [
      "default-src 'none'",
      "script-src 'nonce-N'",
      "style-src 'nonce-N'",
      'img-src data: blob:',
      'worker-src blob:',
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  test('the panel CSP adds the bundle folder for styles, fonts and images, never for scripts', () => {
    assert.deepEqual(directives(contentSecurityPolicy('N', 'https://bundle.example')), [
      "default-src 'none'",
      "script-src 'nonce-N'",
      "style-src https://bundle.example 'nonce-N'",
      'font-src https://bundle.example',
      'img-src https://bundle.example data: blob:',
      'worker-src blob:',
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  test('a fresh nonce per page: 18 random bytes in base64', () => {
    const a = newNonce();
    const b = newNonce();
    assert.match(a, /^[A-Za-z0-9+/]{24}$/);
    assert.equal(Buffer.from(a, 'base64').length, 18);
    assert.notEqual(a, b);
  });

  test('escapeJsonForHtml escapes <, >, &, U+2028, U+2029 and stays the same JSON', () => {
    const value = { s: '</script><!-- & \u2028\u2029 >', k: { '<b>': 1 } };
    const text = escapeJsonForHtml(JSON.stringify(value));
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('escapeHtml leaves no markup and no way out of a quoted attribute', () => {
    assert.equal(
      escapeHtml(`<b a="1" b='2'>&</b>`),
      '&#60;b a=&#34;1&#34; b=&#39;2&#39;&#62;&#38;&#60;/b&#62;',
    );
  });

  test('an inlined bundle fetches no source map and cannot end its element', () => {
    assert.equal(
      inlineScript('let s = "</script>";\n//# sourceMappingURL=report.js.map\n'),
      'let s = "<\\/script>";',
    );
    assert.equal(
      inlineStyle('a::after { content: "</style>"; }\n/*# sourceMappingURL=report.css.map */'),
      'a::after { content: "<\\/style>"; }\n',
    );
  });

  test('the report page: CSP and nonce in place, data embedded inert, the title escaped', () => {
    const hostile = '</script><script>window.__pwned=1</script>';
    const html = page({
      title: `<title>${hostile}`,
      meta: { generator: 'python-heap-inspector' },
      data: [
        ['heap-data', { label: hostile }],
        ['stepper-data', undefined],
      ],
    });
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-bm9uY2U'/,
    );
    assert.match(html, /<meta name="generator" content="python-heap-inspector">/);
    assert.match(html, /<style nonce="bm9uY2U">\nbody \{ color: red; \}\n<\/style>/);
    assert.match(html, /<script nonce="bm9uY2U">\nconsole\.log\(1\);\n<\/script>/);
    assert.ok(!html.includes(hostile), 'no program text as markup');
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'the data block and the bundle');
    assert.deepEqual(embedded(html, 'heap-data'), { label: hostile });
    assert.doesNotMatch(html, /stepper-data/, 'absent data is left out');
    assert.match(html, /<title>&#60;title&#62;&#60;\/script&#62;/);
  });

  test('the panel page links the bundle and says where it runs; a status page has no script', () => {
    const linked = page({
      style: { href: 'https://bundle.example/report.css' },
      script: { src: 'https://bundle.example/report.js' },
      resourceSource: 'https://bundle.example',
      bodyAttributes: { 'data-host': 'vscode-panel', 'data-panel-key': 'a"b', missing: undefined },
      data: [['panel-state', { selected: 3 }]],
    });
    assert.match(
      linked,
      /<link rel="stylesheet" nonce="bm9uY2U" href="https:\/\/bundle\.example\/report\.css">/,
    );
    assert.match(
      linked,
      /<script nonce="bm9uY2U" src="https:\/\/bundle\.example\/report\.js"><\/script>/,
    );
    assert.match(linked, /<body data-host="vscode-panel" data-panel-key="a&#34;b">/);
    assert.deepEqual(embedded(linked, 'panel-state'), { selected: 3 });
    const status = page({
      script: undefined,
      main: { attributes: { class: 'panel-message', role: 'status' }, html: '<h1>Capturing</h1>' },
    });
    assert.doesNotMatch(status, /<script/);
    assert.match(
      status,
      /<main id="app" class="panel-message" role="status"><h1>Capturing<\/h1><\/main>/,
    );
  });
});
