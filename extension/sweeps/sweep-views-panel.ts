/**
 * The sweep views' host: one WebviewPanel per sweep file. The logic (reading the sweep, validating
 * every intent, the model) is runtime/runs/sweep-views-controller.ts; this file supplies the VS Code
 * effects: postMessage, opening a run's panel, handing brushed ranges to the Experiments table
 * (deps.filterExperiments; when no table takes them, the page says once how to open one), and
 * reloading when a run of the sweep changes or the sweep file is rewritten (throttled).
 */
import { ThrottledReload } from '../throttled-reload';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentRanges, HostToSweepViews } from '../../runtime/protocol';
import { SweepViewsController } from '../../runtime/runs/sweep-views-controller';
import { renderSweepHtml } from '../../webview/sweep/sweep-html';
import type { Output } from '../output';
import { reportWebviewFailure } from '../panel/webview-failure';

export const SWEEP_VIEWS_VIEW_TYPE = 'heleneStudio.sweepViews';
const RELOAD_INTERVAL_MS = 2000;

export interface SweepViewsPanelDeps {
  extensionUri: vscode.Uri;
  output: Output;
  openRun(runDir: string): void;
  /** Filter the open Experiments table by brushed ranges ({} clears); false when no table took them. */
  filterExperiments(ranges: ExperimentRanges): Promise<boolean>;
  /** Run folders whose files changed (the runs view's watcher). */
  onDidChangeRuns?: vscode.Event<string[]>;
  /** A sweep file this window runs changed (the sweep manager). */
  onDidChangeSweep?: (listener: (file: string) => void) => () => void;
}

export class SweepViewsPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, SweepViewsPanel>();
  private readonly controller: SweepViewsController;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly reloads = new ThrottledReload(
    RELOAD_INTERVAL_MS,
    () => this.controller.reload(),
    () => {
      if (this.ready) void this.controller.push();
    },
    (message) => this.deps.output.warn(`sweep views: ${message}`),
  );
  private toldNoTable = false;

  static show(deps: SweepViewsPanelDeps, sweepFile: string, sweepId: string): SweepViewsPanel | undefined {
    const key = path.resolve(sweepFile);
    const existing = SweepViewsPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEWS_VIEW_TYPE, `Sweep: ${sweepId}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
    });
    try {
      return new SweepViewsPanel(deps, panel, key);
    } catch (e) {
      SweepViewsPanel.panels.delete(key);
      reportWebviewFailure(deps.output, `the views of sweep ${sweepId}`, panel, e);
      return undefined;
    }
  }

  static disposeAll(): void {
    for (const p of [...SweepViewsPanel.panels.values()]) p.panel.dispose();
  }

  private constructor(private readonly deps: SweepViewsPanelDeps, readonly panel: vscode.WebviewPanel, private readonly file: string) {
    SweepViewsPanel.panels.set(file, this);
    this.controller = new SweepViewsController(file, {
      post: (message) => this.post(message),
      openRun: (dir) => deps.openRun(dir),
      filterExperiments: (ranges) => this.filterExperiments(ranges),
    });
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    panel.webview.html = renderSweepHtml({
      cspSource: panel.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview', 'sweep.js')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden page is destroyed (no retainContextWhenHidden); it posts 'ready' again when shown.
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (deps.onDidChangeRuns) {
      // <runsDir>/.sweeps/<id>.json: the sweep's run folders are <runsDir>/<id>-<nn> (also those not started yet).
      const runsDir = path.dirname(path.dirname(file));
      const prefix = `${path.basename(file, '.json')}-`;
      this.disposables.push(deps.onDidChangeRuns((dirs) => {
        if (dirs.map((d) => path.resolve(d)).some((d) => path.dirname(d) === runsDir && path.basename(d).startsWith(prefix))) this.reloads.schedule();
      }));
    }
    if (deps.onDidChangeSweep) {
      const off = deps.onDidChangeSweep((f) => path.resolve(f) === this.file && this.reloads.schedule());
      this.disposables.push({ dispose: off });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const before = this.controller.rejected.length;
    const isReady = typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'ready';
    try {
      await this.controller.handle(raw);
    } catch (e) {
      this.deps.output.error(`sweep views: ${(e as Error).message}`);
    }
    for (const reason of this.controller.rejected.slice(before)) this.deps.output.warn(`sweep views: rejected a message from the webview: ${reason}`);
    if (isReady && this.controller.rejected.length === before) this.ready = true;
  }

  private async filterExperiments(ranges: ExperimentRanges): Promise<void> {
    if (await this.deps.filterExperiments(ranges)) return;
    this.deps.output.info(`sweep views: brushed ranges ${JSON.stringify(ranges)}; no Experiments table is open to filter`);
    if (this.toldNoTable || Object.keys(ranges).length === 0) return;
    this.toldNoTable = true;
    await this.post({ type: 'notice', level: 'info', text: 'The brushed ranges filter the Experiments table when it is open (HELENE: Open Experiments).' });
  }

  private async post(message: HostToSweepViews): Promise<void> {
    try {
      await this.panel.webview.postMessage(message);
    } catch (e) {
      this.deps.output.warn(`sweep views: postMessage failed: ${String(e)}`);
    }
  }

  dispose(): void {
    if (SweepViewsPanel.panels.get(this.file) === this) SweepViewsPanel.panels.delete(this.file);
    this.reloads.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
