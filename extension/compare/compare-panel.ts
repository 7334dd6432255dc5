/**
 * The Compare panel's host: one WebviewPanel per set of compared runs. The logic (loading the
 * folders, validating every CompareIntent with validateCompareIntent, baseline/target, exports)
 * is runtime/runs/compare-controller.ts; this file supplies the VS Code effects: postMessage, a
 * save dialog + write for CSV/PNG/SVG exports, opening a run's panel, and reloading when the runs
 * view's watcher reports that a compared run's files changed (throttled).
 */
import { ThrottledReload } from '../throttled-reload';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reportWebviewFailure } from '../panel/webview-failure';
import type { HostToCompare } from '../../runtime/protocol';
import { CompareController } from '../../runtime/runs/compare-controller';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import type { Output } from '../output';
import { createPagePanel, WebviewPageHost } from '../webview-page-host';
import { compareKey, comparePanelTitle, runNameOf, saveFilters } from './compare-naming';

export const COMPARE_VIEW_TYPE = 'heleneStudio.compare';
/** A live run changes every second; the comparison is re-read at most this often. */
const RELOAD_INTERVAL_MS = 2000;

export interface ComparePanelDeps {
  extensionUri: vscode.Uri;
  output: Output;
  /** Opens a run's panel (the helene.openPanel command). */
  openRun(runDir: string): void;
  /** Run folders whose files changed (the runs view's watcher). */
  onDidChangeRuns?: vscode.Event<string[]>;
}

export class ComparePanel implements vscode.Disposable {
  private static readonly panels = new Map<string, ComparePanel>();
  private readonly controller: CompareController;
  private readonly host: WebviewPageHost;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reloads = new ThrottledReload(
    RELOAD_INTERVAL_MS,
    () => this.controller.reload(),
    () => {
      if (this.host.ready) void this.controller.push();
    },
    (message) => this.deps.output.warn(`compare panel: ${message}`),
  );

  static show(deps: ComparePanelDeps, runDirs: readonly string[]): ComparePanel | undefined {
    const dirs = runDirs.map((d) => path.resolve(d));
    const key = compareKey(dirs);
    const existing = ComparePanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = createPagePanel(deps.extensionUri, COMPARE_VIEW_TYPE, comparePanelTitle(dirs.map(runNameOf)));
    try {
      return new ComparePanel(deps, panel, dirs, key);
    } catch (e) {
      // Never a blank tab: the reason reaches the user and the Output channel.
      ComparePanel.panels.delete(key);
      reportWebviewFailure(deps.output, 'the comparison', panel, e);
      return undefined;
    }
  }

  static disposeAll(): void {
    for (const p of [...ComparePanel.panels.values()]) p.panel.dispose();
  }

  private constructor(private readonly deps: ComparePanelDeps, readonly panel: vscode.WebviewPanel, readonly runDirs: string[], private readonly key: string) {
    ComparePanel.panels.set(key, this);
    this.host = new WebviewPageHost(panel, { extensionUri: deps.extensionUri, output: deps.output, label: 'compare panel', script: 'compare.js', render: renderCompareHtml, reopen: () => ComparePanel.show(deps, runDirs) }, () => this.dispose());
    this.controller = new CompareController(runDirs, {
      post: (message: HostToCompare) => this.host.post(message),
      saveFile: (name, content) => this.saveFile(name, content),
      openRun: (dir) => deps.openRun(dir),
    });
    this.host.attach(this.controller);
    if (deps.onDidChangeRuns) {
      this.disposables.push(
        deps.onDidChangeRuns((dirs) => {
          if (dirs.some((d) => this.runDirs.includes(path.resolve(d)))) this.reloads.schedule();
        }),
      );
    }
  }

  private async saveFile(suggestedName: string, content: Uint8Array): Promise<string | null> {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(this.runDirs[0]));
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(base, suggestedName),
      filters: saveFilters(suggestedName),
      saveLabel: 'Export',
      title: `HELENE: Export ${suggestedName}`,
    });
    if (!target) return null;
    await vscode.workspace.fs.writeFile(target, content);
    this.deps.output.info(`compare: exported ${target.fsPath}`);
    return target.fsPath;
  }

  dispose(): void {
    if (ComparePanel.panels.get(this.key) === this) ComparePanel.panels.delete(this.key);
    this.reloads.dispose();
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
