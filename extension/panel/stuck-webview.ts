/**
 * What a panel does when its page never started (see webview-load-watchdog.ts): close it and open it
 * again in the same column, at most MAX_REOPENS times in a row for the same panel; then tell the user
 * plainly, with the one remedy that always works (Reload Window), instead of leaving a blank tab.
 */
import * as vscode from 'vscode';
import type { Output } from '../output';

export const MAX_REOPENS = 2;

/** Reopens in a row per panel key; cleared once that panel's page speaks. */
const reopens = new Map<string, number>();

export interface StuckWebview {
  /** One per panel: a run folder, a compare selection, a sweep file. */
  key: string;
  /** For messages, e.g. "the run panel of 20261206-…". */
  what: string;
  panel: vscode.WebviewPanel;
  timeoutMs: number;
  output: Output;
  /** Opens the same panel anew in `column`. */
  reopen(column: vscode.ViewColumn | undefined): void;
}

export function recoverStuckWebview(s: StuckWebview): void {
  const attempt = (reopens.get(s.key) ?? 0) + 1;
  const column = s.panel.viewColumn;
  const seconds = Math.round(s.timeoutMs / 1000);
  if (attempt > MAX_REOPENS) {
    reopens.delete(s.key);
    s.output.error(`${s.what} did not load after ${MAX_REOPENS} reopenings (VS Code's webview service worker did not start the page); closed it. Reload the window to open it again.`);
    s.panel.dispose();
    void vscode.window.showErrorMessage(`HELENE: ${s.what} did not load: VS Code could not start its webview. Reload the window, then open it again.`, 'Reload Window').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
    });
    return;
  }
  reopens.set(s.key, attempt);
  s.output.warn(`${s.what} showed nothing for ${seconds} s (VS Code's webview did not start the page); closing it and opening it again (${attempt} of ${MAX_REOPENS})`);
  s.panel.dispose();
  s.reopen(column);
}

/** The panel's page spoke: a later failure starts counting from zero again. */
export function webviewStarted(key: string): void {
  reopens.delete(key);
}
