/**
 * The Compare panel's host: one WebviewPanel per set of compared runs. The logic (loading the
 * folders, validating every CompareIntent with validateCompareIntent, baseline/target, exports)
 * is runtime/runs/compare-controller.ts; this file supplies the VS Code effects: postMessage, a
 * save dialog + write for CSV/PNG/SVG exports, opening a run's panel, and reloading when the runs
 * view's watcher reports that a compared run's files changed (throttled).
 */
import { ThrottledReload } from '../throttled-reload';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reportWebviewFailure } from '../panel/webview-failure';
import type { HostToCompare } from '../../runtime/protocol';
import { CompareController } from '../../runtime/runs/compare-controller';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import type { Output } from '../output';
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
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly reloads = new ThrottledReload(
    RELOAD_INTERVAL_MS,
    () => this.controller.reload(),
    () => {
      if (this.ready) void this.controller.push();
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
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, comparePanelTitle(dirs.map(runNameOf)), vscode.ViewColumn.Active, {
      enableScripts: true,
      // Only the bundles and the media folder are loadable; nothing from the workspace.
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
    });
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
    this.controller = new CompareController(runDirs, {
      post: (message) => this.post(message),
      saveFile: (name, content) => this.saveFile(name, content),
      openRun: (dir) => deps.openRun(dir),
    });
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden page is destroyed (no retainContextWhenHidden); it posts 'ready' again when shown.
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (deps.onDidChangeRuns) {
      this.disposables.push(
        deps.onDidChangeRuns((dirs) => {
          if (dirs.some((d) => this.runDirs.includes(path.resolve(d)))) this.reloads.schedule();
        }),
      );
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    return renderCompareHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview', 'compare.js')).toString(),
      title: this.panel.title,
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const before = this.controller.rejected.length;
    const isReady = typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'ready';
    try {
      await this.controller.handle(raw);
    } catch (e) {
      this.deps.output.error(`compare panel: ${(e as Error).message}`);
    }
    for (const reason of this.controller.rejected.slice(before)) this.deps.output.warn(`compare panel: rejected a message from the webview: ${reason}`);
    if (isReady && this.controller.rejected.length === before) this.ready = true;
  }

  private async post(message: HostToCompare): Promise<void> {
    try {
      await this.panel.webview.postMessage(message);
    } catch (e) {
      this.deps.output.warn(`compare panel: postMessage failed: ${String(e)}`);
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
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
