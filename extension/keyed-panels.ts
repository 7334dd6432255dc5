/**
 * One panel per key (a set of compared runs, a sweep file): show() brings the open one forward or
 * builds a new one. A panel whose construction throws is never left as a blank tab: the failure is
 * reported (webview-failure.ts) and the key forgotten.
 */
import type * as vscode from 'vscode';
import type { Output } from './output';
import { reportWebviewFailure } from './panel/webview-failure';

export class KeyedPanels<P extends { readonly panel: vscode.WebviewPanel }> {
  private readonly open = new Map<string, P>();

  /** `what` names the page in the failure message ("the comparison"). */
  show(key: string, failure: { output: Output; what: string }, createPanel: () => vscode.WebviewPanel, build: (panel: vscode.WebviewPanel) => P): P | undefined {
    const existing = this.open.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = createPanel();
    try {
      const made = build(panel);
      this.open.set(key, made);
      return made;
    } catch (e) {
      reportWebviewFailure(failure.output, failure.what, panel, e);
      return undefined;
    }
  }

  /** Called from the panel's dispose: forgets it unless another panel took the key since. */
  forget(key: string, panel: P): void {
    if (this.open.get(key) === panel) this.open.delete(key);
  }

  disposeAll(): void {
    for (const p of [...this.open.values()]) p.panel.dispose();
  }
}
