/**
 * The sweep views page's HTML shell (string only, importable by the extension host and by tests):
 * strict CSP with a nonce, one script (dist/webview/sweep.js), styles from VS Code's theme
 * variables, so the page and its hand-drawn SVG plots follow the user's theme (dark, light, high
 * contrast). The nonce is also in <meta property="csp-nonce"> for the toolkit's style probe.
 */
import { renderPageShell, type PageShellOptions } from '../page-shell';
export type SweepHtmlOptions = PageShellOptions;

export const SWEEP_CSS = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 8px 16px; }
h1 { font-size: 1.2em; margin: 4px 0; }
h2.section { font-size: 1.1em; margin: 18px 0 6px; }
.caption { color: var(--vscode-descriptionForeground); margin: 4px 0 8px; }
.controls { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; margin: 8px 0; }
.control { display: inline-flex; gap: 6px; align-items: center; }
.control-label { color: var(--vscode-descriptionForeground); }
.notice.error { color: var(--vscode-errorForeground); }
.plot { width: 100%; border: 1px solid var(--vscode-panel-border, var(--vscode-descriptionForeground)); }
.plot svg { display: block; }
svg text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 11px; }
svg .axis-title { font-weight: 600; font-size: 12px; }
svg .tick-label { fill: var(--vscode-descriptionForeground); }
svg .axis-line, svg .tick { stroke: var(--vscode-foreground); stroke-width: 1; }
svg .grid { stroke: var(--vscode-panel-border, var(--vscode-descriptionForeground)); stroke-width: 1; }
svg .line { fill: none; stroke-width: 1.6; stroke-opacity: .85; cursor: pointer; }
svg .line.dimmed { stroke: var(--vscode-descriptionForeground); stroke-opacity: .22; stroke-width: 1; }
svg .brush { fill: var(--vscode-focusBorder); fill-opacity: .25; stroke: var(--vscode-focusBorder); stroke-width: 1.5; }
svg .brush-hit { fill: transparent; cursor: ns-resize; }
svg .point { fill: var(--vscode-charts-blue, var(--vscode-focusBorder)); stroke: var(--vscode-editor-background); stroke-width: 1; cursor: pointer; }
svg .point.dimmed { fill: var(--vscode-descriptionForeground); fill-opacity: .3; }
/* Native checkboxes: the theme's colours, not the browser's. */
input[type="checkbox"] { color: inherit; accent-color: var(--vscode-button-background, var(--vscode-focusBorder)); }
table.data { border-collapse: collapse; width: 100%; max-width: 900px; }
table.data th, table.data td { border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-descriptionForeground)); padding: 3px 6px; text-align: left; }
table.data th { color: var(--vscode-descriptionForeground); font-weight: 600; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { font-family: var(--vscode-editor-font-family, monospace); overflow-wrap: anywhere; }
td.bar-cell { width: 40%; }
.bar { height: 10px; background: var(--vscode-descriptionForeground); min-width: 1px; }
tr.above-chance .bar { background: var(--vscode-charts-blue, var(--vscode-focusBorder)); }
tr.remainder td { color: var(--vscode-descriptionForeground); font-style: italic; }
ul.caveats { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); margin: 6px 0; padding-left: 18px; }
.link-button { background: none; border: 1px solid transparent; color: var(--vscode-textLink-foreground); cursor: pointer; font: inherit; padding: 0 2px; }
`;

export function renderSweepHtml(o: SweepHtmlOptions): string {
  return renderPageShell(o, SWEEP_CSS);
}
