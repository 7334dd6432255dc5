/**
 * The status bar item: the latest run's step/total, loss and the provider that really runs.
 * Hidden until a run starts; clicking opens that run's panel.
 */
import * as vscode from 'vscode';
import type { RunRegistry } from './run-registry';
import type { RunSession } from './run-session';
import { statusText } from './status-text';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('heleneStudio.run', vscode.StatusBarAlignment.Left, 50);
  private readonly off: (() => void)[] = [];

  constructor(private readonly registry: RunRegistry) {
    this.item.name = 'HELENE Studio run';
    this.off.push(registry.events.on('added', (s) => this.update(s)));
    this.off.push(registry.events.on('changed', (s) => this.update(s)));
  }

  /** What the item says now (the VS Code test suite reads it). */
  get text(): string {
    return this.item.text;
  }

  private update(changed: RunSession): void {
    const session = this.registry.latest();
    if (!session || session !== changed) return;
    const view = statusText(session);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.command = session.runDir
      ? { title: 'Open run panel', command: 'helene.openPanel', arguments: [session.runDir] }
      : 'helene.openPanel';
    this.item.show();
  }

  dispose(): void {
    for (const off of this.off) off();
    this.item.dispose();
  }
}
