/**
 * The compare page's HTML shell (string only, importable by the extension host and by tests):
 * strict CSP with a nonce, one script (dist/webview/compare.js), styles from VS Code's theme
 * variables so the page follows the user's theme.
 * The nonce is also published in <meta property="csp-nonce">: the toolkit (FAST) probes
 * :focus-visible support by inserting a <style> element, and takes its nonce from there; without
 * it that element was refused ("style-src-elem inline", issue 14). Run colours are set through
 * the CSSOM (element.style), which the policy allows; no markup carries a style="" attribute.
 */
import { renderPageShell, type PageShellOptions } from '../page-shell';
export type CompareHtmlOptions = PageShellOptions;

export const COMPARE_CSS = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 8px 16px; }
.controls { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; margin-bottom: 8px; }
.control { display: inline-flex; gap: 6px; align-items: center; }
.control-label { color: var(--vscode-descriptionForeground); }
.inline { display: inline-flex; gap: 6px; align-items: center; }
.notice.error { color: var(--vscode-errorForeground); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
figure.chart { margin: 0; border: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); padding: 6px; }
figure.chart figcaption { display: flex; gap: 8px; align-items: center; font-weight: 600; }
figure.chart figcaption span { flex: 1; }
.canvas-box { position: relative; height: clamp(240px, 38vh, 520px); }
.link-button { background: none; border: none; color: var(--vscode-textLink-foreground); cursor: pointer; font: inherit; font-weight: normal; padding: 0 2px; }
h2.section { font-size: 1.1em; margin: 18px 0 6px; }
.caption { color: var(--vscode-descriptionForeground); margin: 4px 0 8px; }
table.data { border-collapse: collapse; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); padding: 3px 4px; text-align: left; vertical-align: top; }
table.data th.group { text-align: center; border-bottom-style: dotted; }
table.data th { color: var(--vscode-descriptionForeground); font-weight: 600; vertical-align: bottom; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
/* Tables fit the editor: headers and "value @ step" cells wrap at spaces, numbers never break
   inside; a wider table scrolls inside its own box with the first column kept in view. */
.table-scroll { overflow-x: auto; max-width: 100%; }
.table-scroll th:first-child, .table-scroll td:first-child { position: sticky; left: 0; z-index: 1; background: var(--vscode-editor-background); }
#summary-table { font-size: 0.95em; }
#summary-table td[data-col="name"] { min-width: 6em; max-width: 16em; overflow-wrap: anywhere; }
/* A narrow editor (an 800 px side panel with 5 runs): smaller text and 2 px padding keep all 15
   summary columns in view without sideways scrolling. */
@media (max-width: 860px) {
  #summary-table { font-size: 0.87em; }
  #summary-table th, #summary-table td { padding: 3px 2px; }
  #summary-table td[data-col="name"] { min-width: 5em; }
}
#diff-table th, #diff-table td { white-space: nowrap; }
#diff-table th[data-run] { white-space: normal; min-width: 6em; max-width: 12em; overflow-wrap: anywhere; }
#diff-table.by-run td[data-col="name"] { white-space: normal; min-width: 8em; max-width: 18em; overflow-wrap: anywhere; }
abbr[title] { text-decoration: underline dotted; cursor: help; }
/* High-contrast themes define no inactiveSelectionBackground: the hover background stands in. */
tr.baseline td { background: var(--vscode-list-inactiveSelectionBackground, var(--vscode-list-hoverBackground)); }
.table-scroll tr.baseline td:first-child { background: linear-gradient(var(--vscode-list-inactiveSelectionBackground, var(--vscode-list-hoverBackground)), var(--vscode-list-inactiveSelectionBackground, var(--vscode-list-hoverBackground))), var(--vscode-editor-background); }
/* Native checkboxes and sliders: the theme's colours, not the browser's. */
input[type="checkbox"], input[type="range"] { color: inherit; accent-color: var(--vscode-button-background, var(--vscode-focusBorder)); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; vertical-align: baseline; }
.swatch.dashed { height: 0; border-top: 2px dashed var(--vscode-descriptionForeground, #888); border-radius: 0; width: 14px; vertical-align: middle; }
.tag { font-size: .85em; padding: 0 4px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.run-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 4px 0 8px; padding: 0; }
.run-legend li { display: inline-flex; align-items: center; max-width: 24em; overflow-wrap: anywhere; }
td.key { font-family: var(--vscode-editor-font-family, monospace); }
td.differs { color: var(--vscode-textLink-foreground); }
a { color: var(--vscode-textLink-foreground); }
`;

export function renderCompareHtml(o: CompareHtmlOptions): string {
  return renderPageShell(o, COMPARE_CSS);
}
