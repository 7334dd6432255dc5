/**
 * The Experiments page's host: one WebviewPanel for the workspace, over one RunFolderSource per
 * runs folder of the Runs view (digest cache files in the extension's workspace storage). The logic
 * is runtime/runs/experiments-controller.ts; this file supplies the VS Code effects: postMessage,
 * the existing compare and delete commands (delete asks for confirmation there), opening a run's
 * panel, workspaceState for the view state, and live updates from the Runs view's watcher
 * (throttled: a live run changes its files every second).
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentRanges } from '../../runtime/protocol';
import { ExperimentsController } from '../../runtime/runs/experiments-controller';
import { RunFolderSource, type ExperimentSource } from '../../runtime/runs/experiment-source';
import type { ExperimentsViewState } from '../../runtime/runs/experiment-rows';
import { renderExperimentsHtml } from '../../webview/experiments/experiments-html';
import { COMMAND_IDS } from '../commands/command-ids';
import type { Output } from '../output';
import { reportWebviewFailure } from '../panel/webview-failure';
import { createPagePanel, WebviewPageHost } from '../webview-page-host';
import type { RunsView } from '../runs-view/runs-view';

export const EXPERIMENTS_VIEW_TYPE = 'heleneStudio.experiments';
/** Live rows are re-read at most this often. */
const LIVE_INTERVAL_MS = 1000;
const STATE_KEY = 'heleneStudio.experiments.view';

export interface ExperimentsPanelDeps {
  extensionUri: vscode.Uri;
  output: Output;
  workspaceState: vscode.Memento;
  /** Folder for the digest caches (context.storageUri); none: memory only. */
  storageDir: string | undefined;
  runsView: RunsView;
  /** More row sources beside the runs folders (a queue of jobs without a run folder yet). */
  extraSources?: () => ExperimentSource[];
}

export class ExperimentsPanel implements vscode.Disposable {
  private static current: ExperimentsPanel | undefined;
  private static readonly filteredEmitter = new vscode.EventEmitter<string[]>();
  /** Run folders the page's filter shows (the sweep views may follow the table's filter). */
  static readonly onDidChangeFiltered = ExperimentsPanel.filteredEmitter.event;
  private readonly controller: ExperimentsController;
  private readonly host: WebviewPageHost;
  private readonly disposables: vscode.Disposable[] = [];
  private pendingIds = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastUpdate = 0;

  static show(deps: ExperimentsPanelDeps): ExperimentsPanel | undefined {
    if (ExperimentsPanel.current) {
      ExperimentsPanel.current.panel.reveal();
      return ExperimentsPanel.current;
    }
    const panel = createPagePanel(deps.extensionUri, EXPERIMENTS_VIEW_TYPE, 'HELENE Experiments');
    try {
      return (ExperimentsPanel.current = new ExperimentsPanel(deps, panel));
    } catch (e) {
      ExperimentsPanel.current = undefined;
      reportWebviewFailure(deps.output, 'the Experiments page', panel, e);
      return undefined;
    }
  }

  /** Filter the open table by numeric ranges (parallel-coordinates brushing); false when no table is open. */
  static async applyRanges(ranges: ExperimentRanges): Promise<boolean> {
    if (!ExperimentsPanel.current) return false;
    await ExperimentsPanel.current.controller.setRanges(ranges);
    return true;
  }

  /** Rows of another source changed (a queue job started or ended): re-read them like watched runs. */
  static rowsChanged(ids: string[]): void {
    const p = ExperimentsPanel.current;
    if (!p) return;
    for (const id of ids) p.pendingIds.add(id);
    p.schedule();
  }

  static disposeAll(): void {
    ExperimentsPanel.current?.panel.dispose();
  }

  private constructor(private readonly deps: ExperimentsPanelDeps, readonly panel: vscode.WebviewPanel) {
    const t0 = performance.now();
    this.host = new WebviewPageHost(panel, { extensionUri: deps.extensionUri, output: deps.output, label: 'experiments', script: 'experiments.js', render: renderExperimentsHtml, reopen: () => ExperimentsPanel.show(deps) }, () => this.dispose());
    const folders = deps.runsView.roots.map((root) => {
      const key = crypto.createHash('sha1').update(root.runsDir).digest('hex').slice(0, 12);
      return new RunFolderSource(root.runsDir, { cacheFile: deps.storageDir ? path.join(deps.storageDir, `experiments-${key}.json`) : undefined });
    });
    const sources: ExperimentSource[] = [...folders, ...(deps.extraSources?.() ?? [])];
    const store = {
      get: () => deps.workspaceState.get<Partial<ExperimentsViewState>>(STATE_KEY),
      set: (s: ExperimentsViewState) => deps.workspaceState.update(STATE_KEY, s),
    };
    this.controller = new ExperimentsController(
      sources,
      {
        post: (m) => this.host.post(m),
        compare: (dirs) => void vscode.commands.executeCommand(COMMAND_IDS.runsCompare, dirs),
        delete: (dirs) => vscode.commands.executeCommand(COMMAND_IDS.runsDelete, dirs),
        openRun: (dir) => void vscode.commands.executeCommand(COMMAND_IDS.openPanel, dir),
        filtered: (ids) => ExperimentsPanel.filteredEmitter.fire(ids.map((id) => this.controller.dirOf(id)).filter((d): d is string => !!d)),
      },
      store,
    );
    deps.output.info(`experiments: read ${folders.reduce((n, s) => n + s.lastRead.folders, 0)} run folders in ${(performance.now() - t0).toFixed(0)} ms (${folders.reduce((n, s) => n + s.lastRead.metricsRead, 0)} metrics files read, the rest from the cache)`);
    this.host.attach(this.controller);
    this.disposables.push(deps.runsView.onDidChangeRuns((dirs) => this.runsChanged(dirs)));
  }

  /** Coalesce the watcher's changes; re-read at most once per LIVE_INTERVAL_MS. */
  private runsChanged(dirs: string[]): void {
    for (const d of dirs) this.pendingIds.add(this.controller.idOfDir(d) ?? path.basename(d));
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastUpdate + LIVE_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastUpdate = Date.now();
      const ids = [...this.pendingIds];
      this.pendingIds.clear();
      if (!this.host.ready) {
        this.controller.reload();
        return;
      }
      this.controller.runsChanged(ids).catch((e) => this.deps.output.warn(`experiments: live update failed: ${(e as Error).message}`));
    }, wait);
  }

  dispose(): void {
    if (ExperimentsPanel.current === this) ExperimentsPanel.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
