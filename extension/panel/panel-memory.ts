/**
 * Remembers which run folder each panel shows, keyed by the panel's title, in workspace state.
 * The serializer first uses the webview's own saved state (state.runDir); this is the fallback
 * for a webview that saved none, so a reload still reopens the right run.
 */
import type * as vscode from 'vscode';

const KEY = 'heleneStudio.panelRunDirs';
const LIMIT = 50;

export class PanelMemory {
  constructor(private readonly state: vscode.Memento) {}

  remember(title: string, runDir: string): void {
    const entries = Object.entries(this.state.get<Record<string, string>>(KEY, {})).filter(([t]) => t !== title);
    entries.push([title, runDir]);
    void this.state.update(KEY, Object.fromEntries(entries.slice(-LIMIT)));
  }

  recall(title: string): string | undefined {
    return this.state.get<Record<string, string>>(KEY, {})[title];
  }
}
