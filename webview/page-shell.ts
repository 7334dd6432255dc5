/**
 * The HTML shell every webview page shares (string only, importable by the extension host and by
 * tests): a strict CSP with a nonce, one stylesheet inline under that nonce, one script.
 * The nonce is also published in <meta property="csp-nonce">: the toolkit (FAST) probes
 * :focus-visible support by inserting a <style> element and takes its nonce from there; without it
 * that element was refused ("style-src-elem inline", issue 14). Pages set run colours through the
 * CSSOM (element.style), which the policy allows; no markup carries a style="" attribute.
 */
export interface PageShellOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview.asWebviewUri(extensionUri/dist/webview/<page>.js) */
  scriptUri: string;
  title: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderPageShell(o: PageShellOptions, css: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  const esc = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${esc(o.nonce)}">
<title>${esc(o.title)}</title>
<style nonce="${esc(o.nonce)}">${css}</style>
</head>
<body>
<main id="root"></main>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>
`;
}
