/**
 * What a panel does when its page never started (see webview-load-watchdog.ts): close it and open it
 * again in the same column, at most MAX_REOPENS times in a row for the same panel; then tell the user
 * plainly, with the one remedy that always works (Reload Window), instead of leaving a blank tab.
 * `watchPageStart` wires the watchdog to a panel (its visibility, its page's messages) for every
 * HELENE panel alike.
 */
import * as vscode from 'vscode';
import type { Output } from '../output';
import { WebviewLoadWatchdog, WEBVIEW_LOAD_TIMEOUT_MS } from './webview-load-watchdog';

export const MAX_REOPENS = 2;

/** Reopens in a row per panel key; cleared once that panel's page speaks. */
const reopens = new Map<string, number>();

export interface StuckWebview {
  /** One per panel: a run folder, a compare selection, a sweep file. */
  key: string;
  /** For messages, e.g. "the run panel of 20261206-…". */
  what: string;
  output: Output;
  /** Opens the same panel anew in `column`. */
  reopen(column: vscode.ViewColumn | undefined): void;
}

/** The watch on one panel's page: tell it each message the page posts; dispose it with the panel. */
export interface PageStartWatch extends vscode.Disposable {
  spoke(): void;
}

export function watchPageStart(panel: vscode.WebviewPanel, s: StuckWebview): PageStartWatch {
  const watchdog = new WebviewLoadWatchdog(() => recoverStuckWebview(panel, s));
  // A hidden page is destroyed (no retainContextWhenHidden) and loads again when shown.
  const visibility = panel.onDidChangeViewState(() => (panel.visible ? watchdog.visible() : watchdog.hidden()));
  const dispose = () => {
    watchdog.dispose();
    visibility.dispose();
  };
  // A tab closed before its page spoke must not be "recovered" later.
  const closed = panel.onDidDispose(() => {
    dispose();
    closed.dispose();
  });
  if (panel.visible) watchdog.visible();
  return {
    spoke() {
      watchdog.spoke();
      reopens.delete(s.key); // a later failure starts counting from zero again
    },
    dispose,
  };
}

function recoverStuckWebview(panel: vscode.WebviewPanel, s: StuckWebview): void {
  const attempt = (reopens.get(s.key) ?? 0) + 1;
  const column = panel.viewColumn;
  const seconds = Math.round(WEBVIEW_LOAD_TIMEOUT_MS / 1000);
  if (attempt > MAX_REOPENS) {
    reopens.delete(s.key);
    s.output.error(`${s.what} did not load after ${MAX_REOPENS} reopenings (VS Code's webview service worker did not start the page); closed it. Reload the window to open it again.`);
    panel.dispose();
    void vscode.window.showErrorMessage(`HELENE: ${s.what} did not load: VS Code could not start its webview. Reload the window, then open it again.`, 'Reload Window').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
    });
    return;
  }
  reopens.set(s.key, attempt);
  s.output.warn(`${s.what} showed nothing for ${seconds} s (VS Code's webview did not start the page); closing it and opening it again (${attempt} of ${MAX_REOPENS})`);
  panel.dispose();
  s.reopen(column);
}
