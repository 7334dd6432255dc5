/**
 * The Compare panel's host: one WebviewPanel per set of compared runs. The logic (loading the
 * folders, validating every CompareIntent with validateCompareIntent, baseline/target, exports)
 * is runtime/runs/compare-controller.ts; this file supplies the VS Code effects: postMessage, a
 * save dialog + write for CSV/PNG/SVG exports, opening a run's panel, and reloading when the runs
 * view's watcher reports that a compared run's files changed (throttled).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToCompare } from '../../runtime/protocol';
import { CompareController } from '../../runtime/runs/compare-controller';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import type { Output } from '../output';
import { createPagePanel, WebviewPageHost } from '../webview-page-host';
import { KeyedPanels } from '../keyed-panels';
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
  private static readonly panels = new KeyedPanels<ComparePanel>();
  private readonly controller: CompareController;
  private readonly host: WebviewPageHost;
  private readonly disposables: vscode.Disposable[] = [];

  static show(deps: ComparePanelDeps, runDirs: readonly string[]): ComparePanel | undefined {
    const dirs = runDirs.map((d) => path.resolve(d));
    const key = compareKey(dirs);
    return ComparePanel.panels.show(
      key,
      { output: deps.output, what: 'the comparison' },
      () => createPagePanel(deps.extensionUri, COMPARE_VIEW_TYPE, comparePanelTitle(dirs.map(runNameOf))),
      (panel) => new ComparePanel(deps, panel, dirs, key),
    );
  }

  static disposeAll(): void {
    ComparePanel.panels.disposeAll();
  }

  private constructor(private readonly deps: ComparePanelDeps, readonly panel: vscode.WebviewPanel, readonly runDirs: string[], private readonly key: string) {
    this.host = new WebviewPageHost(panel, { extensionUri: deps.extensionUri, output: deps.output, label: 'compare panel', script: 'compare.js', render: renderCompareHtml, reopen: () => ComparePanel.show(deps, runDirs) }, () => this.dispose());
    this.controller = new CompareController(runDirs, {
      post: (message: HostToCompare) => this.host.post(message),
      saveFile: (name, content) => this.saveFile(name, content),
      openRun: (dir) => deps.openRun(dir),
    });
    this.host.attach(this.controller);
    this.host.reloadEvery(RELOAD_INTERVAL_MS, this.controller);
    if (deps.onDidChangeRuns) {
      this.disposables.push(
        deps.onDidChangeRuns((dirs) => {
          if (dirs.some((d) => this.runDirs.includes(path.resolve(d)))) this.host.scheduleReload();
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
    ComparePanel.panels.forget(this.key, this);
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
