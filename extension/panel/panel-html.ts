/**
 * The run panel's HTML (a pure function: no vscode import, unit-tested). The page loads exactly one
 * script (the panel bundle, by nonce) and one stylesheet (linked, not inline), under the Content
 * Security Policy every webview page has (contentSecurityPolicy, ../../webview/page-shell.ts).
 */
import { contentSecurityPolicy } from '../../webview/page-shell';

export interface PanelHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh random nonce per page load (base64 or base64url). */
  nonce: string;
  /** webview.asWebviewUri(dist/webview/panel.js) */
  scriptUri: string;
  /** webview.asWebviewUri(media/panel.css) */
  styleUri: string;
  title: string;
}

const NONCE_PATTERN = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Escape for text and double-quoted attributes (every attribute here is double-quoted, so ' stays readable in the CSP). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function renderPanelHtml(o: PanelHtmlOptions): string {
  // A nonce that could close the attribute would defeat the policy it is part of.
  if (!NONCE_PATTERN.test(o.nonce)) throw new Error('renderPanelHtml: the nonce must be at least 16 base64 characters');
  // VS Code's real cspSource is several sources (`'self' https://*.vscode-cdn.net`): spaces and quotes
  // are part of it. Only what could end the directive, the attribute or the tag is refused.
  if (/[;"<>\r\n]/.test(o.cspSource)) throw new Error(`renderPanelHtml: unexpected characters in cspSource ${JSON.stringify(o.cspSource)}`);
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${escapeHtml(o.nonce)}">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<main id="app" aria-busy="true">
<p id="waiting" class="waiting">Waiting for run data…</p>
</main>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
