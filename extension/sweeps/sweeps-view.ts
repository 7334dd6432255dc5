/**
 * The Sweeps view (activity bar → HELENE → Sweeps): every `<runsDir>/.sweeps/*.json` of each
 * workspace folder's runs folder, with its progress ("4/6 done, 1 running"); a sweep's children are
 * its runs sorted by the sweep's metric (the sweep table, read from run folders alone). Updates come
 * from a file watcher on the sweep files, the sweeps this window runs, and the Runs view's watcher
 * (a run's metrics changed), coalesced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QueueWorkerInfo, SweepRecord } from '../../runtime/protocol';
import { HEARTBEAT_TTL_S } from '../../runtime/queue/queue-keys';
import { listSweeps, sweepFile, SWEEPS_DIR } from '../../runtime/runs/sweep-queue';
import { readSweepTable, type SweepRow } from '../../runtime/runs/sweep-table';
import type { Output } from '../output';
import type { RunsView } from '../runs-view/runs-view';
import { runsRoots } from '../runs-view/runs-view-model';
import { readQueueUrl, readRunSettings, SETTINGS_SECTION } from '../settings';
import { QueueMonitor } from './queue-monitor';
import type { SweepManager } from './sweep-manager';
import { queueItemFields, sweepItemFields, sweepRunItemFields, sweepRunOpens, workerItemFields } from './sweeps-view-model';

export const OPEN_REMOTE_RUN_COMMAND = 'helene.sweeps.openRemoteRun';

export const SWEEPS_VIEW_ID = 'heleneStudio.sweeps';

export type SweepsElement =
  | { kind: 'sweep'; record: SweepRecord; file: string }
  | { kind: 'run'; record: SweepRecord; file: string; row: SweepRow; rank: number }
  | { kind: 'queue' }
  | { kind: 'worker'; worker: QueueWorkerInfo };

export class SweepsView implements vscode.TreeDataProvider<SweepsElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SweepsElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private runsDirs: string[] = [];
  private records: { record: SweepRecord; file: string }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The queue of heleneStudio.queue.url, polled while set (null: no queue configured or the URL is invalid). */
  private monitor: QueueMonitor | null = null;
  private monitorProblem: string | null = null;
  readonly treeView: vscode.TreeView<SweepsElement>;

  constructor(private readonly output: Output, private readonly manager: SweepManager, runsView: RunsView) {
    this.treeView = vscode.window.createTreeView(SWEEPS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    const off = manager.events.on('changed', () => this.schedule());
    this.disposables.push(
      this.treeView,
      this.changed,
      { dispose: off },
      runsView.onDidChangeRuns(() => this.schedule()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rebuild()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.runsFolder`)) this.rebuild();
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.queue.url`)) this.restartMonitor();
      }),
    );
    this.rebuild();
    this.restartMonitor();
  }

  private restartMonitor(): void {
    this.monitor?.dispose();
    this.monitor = null;
    this.monitorProblem = null;
    const url = readQueueUrl();
    if (url) {
      try {
        this.monitor = new QueueMonitor(url);
        this.monitor.events.on('changed', () => this.changed.fire(undefined));
        this.monitor.start();
      } catch (e) {
        this.monitorProblem = (e as Error).message;
      }
    }
    this.changed.fire(undefined);
  }

  /** Every sweep listed (palette commands pick from them). */
  sweeps(): { record: SweepRecord; file: string }[] {
    return this.records;
  }

  get selection(): readonly SweepsElement[] {
    return this.treeView.selection;
  }

  refresh(): void {
    this.records = [];
    for (const dir of this.runsDirs) {
      try {
        const { records, problems } = listSweeps(dir);
        for (const p of problems) this.output.warn(`sweeps view: ${p.reason}`);
        this.records.push(...records.map((record) => ({ record, file: sweepFile(dir, record.id) })));
      } catch (e) {
        this.output.warn(`sweeps view: cannot list ${path.join(dir, SWEEPS_DIR)}: ${(e as Error).message}`);
      }
    }
    this.treeView.message = this.records.length ? undefined : 'No sweeps yet. Start one with "HELENE: Start sweep…" (a grid of learning rates, optimizers, seeds over a run config).';
    this.changed.fire(undefined);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, 300);
  }

  private rebuild(): void {
    for (const d of this.watchers) d.dispose();
    this.watchers = [];
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath, runsFolder: readRunSettings(f.uri).defaultRunsFolder }));
    this.runsDirs = runsRoots(folders).map((r) => r.runsDir);
    for (const dir of this.runsDirs) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), `${SWEEPS_DIR}/*.json`));
      this.watchers.push(w, w.onDidCreate(() => this.schedule()), w.onDidChange(() => this.schedule()), w.onDidDelete(() => this.schedule()));
    }
    this.refresh();
  }

  getChildren(element?: SweepsElement): SweepsElement[] {
    if (!element) {
      const sweeps: SweepsElement[] = this.records.map(({ record, file }) => ({ kind: 'sweep', record, file }));
      return this.monitor || this.monitorProblem ? [{ kind: 'queue' }, ...sweeps] : sweeps;
    }
    if (element.kind === 'queue') {
      const last = this.monitor?.last;
      return last && 'workers' in last ? last.workers.map((worker) => ({ kind: 'worker', worker })) : [];
    }
    if (element.kind === 'sweep') {
      // The sweep table, read from the run folders when the sweep is expanded or refreshed.
      return readSweepTable(element.record).map((row, i) => ({ kind: 'run', record: element.record, file: element.file, row, rank: i + 1 }));
    }
    return [];
  }

  getTreeItem(element: SweepsElement): vscode.TreeItem {
    if (element.kind === 'queue' || element.kind === 'worker') {
      const last = this.monitor?.last;
      const f = element.kind === 'worker'
        ? workerItemFields(element.worker, Date.now(), HEARTBEAT_TTL_S)
        : queueItemFields(this.monitor?.display ?? readQueueUrl(), this.monitorProblem ? { error: this.monitorProblem } : last ?? { workers: [], counts: { queued: 0, running: 0, done: 0, failed: 0 } });
      const hasWorkers = element.kind === 'queue' && !!last && 'workers' in last && last.workers.length > 0;
      const item = new vscode.TreeItem(f.label, hasWorkers ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = f.id;
      item.description = f.description;
      item.tooltip = new vscode.MarkdownString(f.tooltip);
      item.iconPath = new vscode.ThemeIcon(f.iconId, f.iconColor ? new vscode.ThemeColor(f.iconColor) : undefined);
      item.contextValue = f.contextValue;
      return item;
    }
    if (element.kind === 'sweep') {
      const live = !!this.manager.queueOf(element.file) || !!this.manager.remoteOf(element.file);
      const f = sweepItemFields(element.record, element.file, live);
      const item = new vscode.TreeItem(f.label, element.record.state === 'running' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = f.id;
      item.description = f.description;
      item.tooltip = new vscode.MarkdownString(f.tooltip);
      item.iconPath = new vscode.ThemeIcon(f.iconId, f.iconColor ? new vscode.ThemeColor(f.iconColor) : undefined);
      item.contextValue = f.contextValue;
      return item;
    }
    const f = sweepRunItemFields(element.row, element.rank, element.record.sort);
    const item = new vscode.TreeItem(f.label, vscode.TreeItemCollapsibleState.None);
    item.id = `${element.file}#${f.id}`;
    item.description = f.description;
    item.tooltip = new vscode.MarkdownString(f.tooltip);
    item.iconPath = new vscode.ThemeIcon(f.iconId, f.iconColor ? new vscode.ThemeColor(f.iconColor) : undefined);
    item.contextValue = f.contextValue;
    item.resourceUri = vscode.Uri.file(f.runDir);
    const opens = sweepRunOpens(element.record, element.row, fs.existsSync(path.join(f.runDir, 'run.json')));
    if (opens === 'folder') item.command = { command: 'helene.openPanel', title: 'Open run panel', arguments: [f.runDir] };
    // A queue run whose folder is on another machine: its panel follows the run's Redis stream.
    else if (opens === 'stream') item.command = { command: OPEN_REMOTE_RUN_COMMAND, title: 'Open run panel (from the queue)', arguments: [element.row.runId, f.runDir] };
    return item;
  }

  dispose(): void {
    this.monitor?.dispose();
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.watchers) d.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
