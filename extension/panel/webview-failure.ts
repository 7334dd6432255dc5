/**
 * A webview that could not be built must never be left as a blank tab: the reason goes to the user
 * (a notification) and to the "HELENE Studio" Output channel, and the half-made panel is closed so
 * that nothing later talks to it.
 */
import * as vscode from 'vscode';
import type { Output } from '../output';

export function reportWebviewFailure(output: Output, what: string, panel: vscode.WebviewPanel, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  output.error(`could not open ${what}: ${reason}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
  void vscode.window.showErrorMessage(`HELENE: could not open ${what}: ${reason}`);
  try {
    panel.dispose();
  } catch {
    // already disposed
  }
}
