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

/**
 * The Content Security Policy of every webview page (run panel, compare, sweep views, experiments):
 *   default-src 'none'            nothing else loads: no fetch/XHR, frames, media, workers;
 *   script-src 'nonce-…'          no inline handlers, no eval (Chart.js 4 needs none);
 *   style-src ${cspSource} 'nonce-…'
 *                                 stylesheets from the webview source, plus <style> elements carrying
 *                                 the nonce (the pages' inline stylesheet; the toolkit's (FAST)
 *                                 :focus-visible probe, with the nonce it reads from
 *                                 <meta property="csp-nonce">). No style="" attributes are allowed
 *                                 (hence no toolkit badge, whose template has one). The toolkit's
 *                                 components style their shadow roots with constructable
 *                                 stylesheets (adoptedStyleSheets), which style-src does not
 *                                 govern, and Chart.js sizes canvases through the CSSOM, also
 *                                 allowed. The headless-Chromium tests assert that no violation
 *                                 is reported;
 *   img-src ${cspSource} data:    canvas snapshots / data URIs; font-src ${cspSource} (codicons later).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderPageShell(o: PageShellOptions, css: string): string {
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
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
