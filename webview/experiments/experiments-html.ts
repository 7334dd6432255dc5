/**
 * The Experiments page's HTML shell (string only, importable by the extension host and tests):
 * strict CSP with a nonce, one script (dist/webview/experiments.js), every colour from VS Code's
 * theme variables (dark, light and high contrast follow without code). Column widths and row
 * positions are set through the CSSOM (element.style), which the policy allows.
 */
import { renderPageShell, type PageShellOptions } from '../page-shell';
export type ExperimentsHtmlOptions = PageShellOptions;

/** Row height in px: the virtualiser's fixed step (kept equal to .row's CSS height). */
export const ROW_HEIGHT = 24;

export const EXPERIMENTS_CSS = `
html, body { height: 100%; }
body { margin: 0; color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
#root { display: flex; flex-direction: column; height: 100%; padding: 6px 12px; box-sizing: border-box; gap: 6px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; }
.toolbar label { display: inline-flex; gap: 6px; align-items: center; color: var(--vscode-descriptionForeground); }
input, select, button { font: inherit; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, transparent)); border-radius: 2px; padding: 2px 6px; }
input:focus, select:focus, button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
input[type="checkbox"] { accent-color: var(--vscode-button-background); padding: 0; margin: 0; }
#filter { width: 28em; max-width: 60vw; }
#filter.invalid { border-color: var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); }
button { cursor: pointer; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border-color: var(--vscode-button-border, transparent); }
button:hover:not(:disabled) { background: var(--vscode-button-secondaryHoverBackground); }
button.primary { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
button.primary:hover:not(:disabled) { background: var(--vscode-button-hoverBackground); }
button:disabled { opacity: .5; cursor: default; }
.notice { color: var(--vscode-descriptionForeground); min-height: 1.2em; }
.notice.error, .filter-errors { color: var(--vscode-errorForeground); }
.filter-errors:empty, .chips:empty { display: none; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
.chip { display: inline-flex; gap: 4px; align-items: center; padding: 0 6px; border-radius: 9px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.chip button { border: none; background: none; color: inherit; padding: 0 2px; }
.grid-viewport { flex: 1; min-height: 120px; overflow: auto; position: relative; border: 1px solid var(--vscode-panel-border, transparent); }
.grid-head { position: sticky; top: 0; z-index: 2; display: grid; grid-template-columns: var(--cols); width: max-content; min-width: 100%; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); }
.grid-head .cell { font-weight: 600; color: var(--vscode-descriptionForeground); cursor: pointer; user-select: none; height: auto; min-height: ${ROW_HEIGHT}px; white-space: normal; align-items: end; }
.grid-head .cell[aria-sort="ascending"]::after { content: " ▲"; }
.grid-head .cell[aria-sort="descending"]::after { content: " ▼"; }
.grid-body { position: relative; width: max-content; min-width: 100%; }
.row { position: absolute; left: 0; top: 0; display: grid; grid-template-columns: var(--cols); height: ${ROW_HEIGHT}px; width: max-content; min-width: 100%; box-sizing: border-box; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); }
.row[hidden] { display: none; }
.row:hover { background: var(--vscode-list-hoverBackground); }
.row.selected { background: var(--vscode-list-inactiveSelectionBackground); }
.row.baseline .cell[data-col="name"] { font-weight: 600; }
.row.group { background: var(--vscode-sideBarSectionHeader-background, var(--vscode-editorWidget-background)); color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground)); font-weight: 600; cursor: pointer; grid-template-columns: 1fr; }
.cell { display: flex; align-items: center; padding: 0 6px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; height: ${ROW_HEIGHT}px; box-sizing: border-box; }
.cell.num { justify-content: flex-end; font-variant-numeric: tabular-nums; }
.cell > span { overflow: hidden; text-overflow: ellipsis; }
.status-finished { color: var(--vscode-charts-green, var(--vscode-foreground)); }
.status-failed, .status-crashed, .status-unreadable { color: var(--vscode-errorForeground); }
.status-running, .status-starting, .status-paused { color: var(--vscode-charts-blue, var(--vscode-foreground)); }
.status-stopped, .status-interrupted, .status-queued { color: var(--vscode-descriptionForeground); }
.badge { margin-left: 4px; padding: 0 4px; border-radius: 3px; font-size: .85em; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.warn { color: var(--vscode-editorWarning-foreground); margin-left: 4px; }
details.columns { position: relative; }
details.columns > summary { cursor: pointer; color: var(--vscode-textLink-foreground); }
.column-list { position: absolute; z-index: 5; max-height: 60vh; overflow: auto; min-width: 22em; padding: 6px; margin: 4px 0 0; list-style: none; background: var(--vscode-editorWidget-background, var(--vscode-editor-background)); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border, var(--vscode-contrastBorder, transparent))); box-shadow: 0 2px 8px var(--vscode-widget-shadow, transparent); }
.column-list li { display: flex; gap: 6px; align-items: center; padding: 1px 0; }
.column-list li span { flex: 1; }
.column-list li button { padding: 0 4px; }
.w-narrow { min-width: 0; }
`;

export function renderExperimentsHtml(o: ExperimentsHtmlOptions): string {
  return renderPageShell(o, EXPERIMENTS_CSS);
}
