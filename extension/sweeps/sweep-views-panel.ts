/**
 * The sweep views' host: one WebviewPanel per sweep file. The logic (reading the sweep, validating
 * every intent, the model) is runtime/runs/sweep-views-controller.ts; this file supplies the VS Code
 * effects: postMessage, opening a run's panel, handing brushed ranges to the Experiments table
 * (deps.filterExperiments; when no table takes them, the page says once how to open one), and
 * reloading when a run of the sweep changes or the sweep file is rewritten (throttled).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentRanges, HostToSweepViews } from '../../runtime/protocol';
import { SweepViewsController } from '../../runtime/runs/sweep-views-controller';
import { renderSweepHtml } from '../../webview/sweep/sweep-html';
import type { Output } from '../output';
import { createPagePanel, WebviewPageHost } from '../webview-page-host';
import { KeyedPanels } from '../keyed-panels';

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
  private static readonly panels = new KeyedPanels<SweepViewsPanel>();
  private readonly controller: SweepViewsController;
  private readonly host: WebviewPageHost;
  private readonly disposables: vscode.Disposable[] = [];
  private toldNoTable = false;

  static show(deps: SweepViewsPanelDeps, sweepFile: string, sweepId: string): SweepViewsPanel | undefined {
    const key = path.resolve(sweepFile);
    return SweepViewsPanel.panels.show(
      key,
      { output: deps.output, what: `the views of sweep ${sweepId}` },
      () => createPagePanel(deps.extensionUri, SWEEP_VIEWS_VIEW_TYPE, `Sweep: ${sweepId}`),
      (panel) => new SweepViewsPanel(deps, panel, key, sweepId),
    );
  }

  static disposeAll(): void {
    SweepViewsPanel.panels.disposeAll();
  }

  private constructor(private readonly deps: SweepViewsPanelDeps, readonly panel: vscode.WebviewPanel, private readonly file: string, sweepId: string) {
    this.host = new WebviewPageHost(panel, { extensionUri: deps.extensionUri, output: deps.output, label: 'sweep views', script: 'sweep.js', render: renderSweepHtml, reopen: () => SweepViewsPanel.show(deps, file, sweepId) }, () => this.dispose());
    this.controller = new SweepViewsController(file, {
      post: (message: HostToSweepViews) => this.host.post(message),
      openRun: (dir) => deps.openRun(dir),
      filterExperiments: (ranges) => this.filterExperiments(ranges),
    });
    this.host.attach(this.controller);
    this.host.reloadEvery(RELOAD_INTERVAL_MS, this.controller);
    if (deps.onDidChangeRuns) {
      // <runsDir>/.sweeps/<id>.json: the sweep's run folders are <runsDir>/<id>-<nn> (also those not started yet).
      const runsDir = path.dirname(path.dirname(file));
      const prefix = `${path.basename(file, '.json')}-`;
      this.disposables.push(deps.onDidChangeRuns((dirs) => {
        if (dirs.map((d) => path.resolve(d)).some((d) => path.dirname(d) === runsDir && path.basename(d).startsWith(prefix))) this.host.scheduleReload();
      }));
    }
    if (deps.onDidChangeSweep) {
      const off = deps.onDidChangeSweep((f) => path.resolve(f) === this.file && this.host.scheduleReload());
      this.disposables.push({ dispose: off });
    }
  }

  private async filterExperiments(ranges: ExperimentRanges): Promise<void> {
    if (await this.deps.filterExperiments(ranges)) return;
    this.deps.output.info(`sweep views: brushed ranges ${JSON.stringify(ranges)}; no Experiments table is open to filter`);
    if (this.toldNoTable || Object.keys(ranges).length === 0) return;
    this.toldNoTable = true;
    await this.host.post({ type: 'notice', level: 'info', text: 'The brushed ranges filter the Experiments table when it is open (HELENE: Open Experiments).' });
  }

  dispose(): void {
    SweepViewsPanel.panels.forget(this.file, this);
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
