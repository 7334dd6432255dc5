import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPanelHtml } from '../../extension/panel/panel-html';
import { contentSecurityPolicy } from '../../webview/page-shell';

const options = {
  // webview.cspSource as VS Code 1.100 (code-server 4.100.3) really gives it: two sources.
  cspSource: "'self' https://*.vscode-cdn.net",
  nonce: 'q1w2e3r4t5y6u7i8o9p0aA==',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/panel.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
  title: 'HELENE · <run & "1">',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'no CSP meta tag');
  return m[1];
}

test('the CSP is strict: nothing by default, scripts by nonce only, styles/images/fonts from the webview source', () => {
  const csp = cspOf(renderPanelHtml(options));
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives, {
    'default-src': ["'none'"],
    'script-src': [`'nonce-${options.nonce}'`],
    'style-src': ["'self'", 'https://*.vscode-cdn.net', `'nonce-${options.nonce}'`],
    'img-src': ["'self'", 'https://*.vscode-cdn.net', 'data:'],
    'font-src': ["'self'", 'https://*.vscode-cdn.net'],
  });
  assert.ok(!/unsafe-(inline|eval)/.test(csp));
  assert.equal(csp, contentSecurityPolicy(options.cspSource, options.nonce));
});

test('exactly one script, external, carrying the nonce; no inline script, style or handler', () => {
  const html = renderPanelHtml(options);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${options.nonce.replace(/[+/=]/g, '\\$&')}"`));
  assert.match(scripts[0][1], new RegExp(`src="${options.scriptUri.replace(/[.+/]/g, '\\$&')}"`));
  assert.equal(scripts[0][2].trim(), '', 'inline script body');
  assert.ok(!/<style\b/.test(html), 'inline <style>');
  assert.ok(!/\sstyle=/.test(html), 'style attribute');
  assert.ok(!/\son[a-z]+=/.test(html), 'inline event handler');
  // The toolkit reads the nonce for the <style> element of its :focus-visible probe from this meta.
  assert.ok(html.includes(`<meta property="csp-nonce" content="${options.nonce}">`));
  assert.match(html, new RegExp(`<link rel="stylesheet" href="${options.styleUri.replace(/[.+/]/g, '\\$&')}">`));
});

test('the title is escaped and a bad nonce is refused', () => {
  const html = renderPanelHtml(options);
  assert.match(html, /<title>HELENE · &lt;run &amp; &quot;1&quot;&gt;<\/title>/);
  assert.throws(() => renderPanelHtml({ ...options, nonce: 'short' }), /nonce/);
  assert.throws(() => renderPanelHtml({ ...options, nonce: `${'a'.repeat(20)}" onload="x` }), /nonce/);
  assert.throws(() => renderPanelHtml({ ...options, cspSource: "x; script-src 'unsafe-inline'" }), /cspSource/);
  assert.throws(() => renderPanelHtml({ ...options, cspSource: 'x" http-equiv="refresh' }), /cspSource/);
  assert.throws(() => renderPanelHtml({ ...options, cspSource: 'x\nscript-src *' }), /cspSource/);
  assert.throws(() => renderPanelHtml({ ...options, cspSource: 'x><script>' }), /cspSource/);
});
