/**
 * The Runs view (activity bar → HELENE → Runs): a TreeDataProvider over one RunCatalog per
 * workspace folder's runs folder (setting heleneStudio.runsFolder). Live updates come from file
 * watchers on each runs folder (run folders appearing/going, their run.json/status.json/
 * summary.json changing), mapped to run ids with runIdOfChange and coalesced by ChangeCoalescer,
 * so a busy live run costs a few single-folder re-reads a second, never a rescan. A folder that is
 * not a readable run is listed with the reason; nothing a folder holds throws out of the view.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunCatalog } from '../../runtime/runs/discovery';
import type { RunListEntry } from '../../runtime/runs/run-list-item';
import { ChangeCoalescer, runIdOfChange } from '../../runtime/runs/runs-watcher';
import { buildRunsTree } from '../../runtime/runs/tree-model';
import type { Output } from '../output';
import { readRunSettings, SETTINGS_SECTION } from '../settings';
import { rootItemFields, runItemFields, runsRoots, RUNS_WATCH_GLOB, treeRedraw, type RunsElement, type RunsRoot, type ShownTree } from './runs-view-model';

export const RUNS_VIEW_ID = 'heleneStudio.runs';

interface WatchedRoot {
  root: RunsRoot;
  catalog: RunCatalog;
  error: string | null;
  disposables: vscode.Disposable[];
}

export class RunsView implements vscode.TreeDataProvider<RunsElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsElement | RunsElement[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly runsChanged = new vscode.EventEmitter<string[]>();
  /** Run folders (absolute) whose files changed; the compare panel listens to reload. */
  readonly onDidChangeRuns = this.runsChanged.event;
  private watched: WatchedRoot[] = [];
  /** What the tree showed at its last redraw (showChanges). */
  private shown: ShownTree | null = null;
  /** One element object per run folder, kept across redraws: a row can be redrawn alone (fire(element)). */
  private readonly runElementsByDir = new Map<string, Extract<RunsElement, { kind: 'run' }>>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly treeView: vscode.TreeView<RunsElement>;

  constructor(private readonly output: Output) {
    this.treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this, canSelectMany: true, showCollapseAll: false });
    this.disposables.push(
      this.treeView,
      this.changed,
      this.runsChanged,
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rebuild()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.runsFolder`)) this.rebuild();
      }),
    );
    this.rebuild();
  }

  get roots(): RunsRoot[] {
    return this.watched.map((w) => w.root);
  }

  /** Every listed entry with its runs folder (quick picks of the palette commands). */
  entries(): { entry: RunListEntry; root: RunsRoot }[] {
    return this.watched.flatMap((w) => w.catalog.list().map((entry) => ({ entry, root: w.root })));
  }

  entryOf(runDir: string): RunListEntry | undefined {
    const dir = path.resolve(runDir);
    for (const w of this.watched) if (path.dirname(dir) === w.root.runsDir) return w.catalog.get(path.basename(dir));
    return undefined;
  }

  /** Selected run elements (palette commands act on them). */
  get selection(): readonly RunsElement[] {
    return this.treeView.selection;
  }

  /** Re-read everything (the Refresh button). */
  refresh(): void {
    for (const w of this.watched) this.refreshRoot(w);
    this.updateMessage();
    this.showChanges(true);
  }

  /** Re-read one run folder (after an annotation, a delete) without waiting for the watcher. */
  refreshRun(runDir: string): void {
    const dir = path.resolve(runDir);
    const w = this.watched.find((x) => x.root.runsDir === path.dirname(dir));
    if (!w) return this.refresh();
    w.catalog.refreshRun(path.basename(dir));
    this.updateMessage();
    this.showChanges();
  }

  private rebuild(): void {
    for (const w of this.watched) for (const d of w.disposables) d.dispose();
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath, runsFolder: readRunSettings(f.uri).defaultRunsFolder }));
    this.watched = runsRoots(folders).map((root) => {
      const w: WatchedRoot = { root, catalog: new RunCatalog(root.runsDir), error: null, disposables: [] };
      this.refreshRoot(w);
      this.watch(w);
      return w;
    });
    this.updateMessage();
    this.showChanges(true);
  }

  private refreshRoot(w: WatchedRoot): void {
    try {
      w.catalog.refresh();
      w.error = null;
    } catch (e) {
      // The runs folder itself cannot be listed (not a folder, no permission): say so, list nothing.
      w.error = `${w.root.runsDir}: ${(e as Error).message}`;
      this.output.warn(`runs view: cannot list ${w.error}`);
    }
  }

  private watch(w: WatchedRoot): void {
    const coalescer = new ChangeCoalescer((ids) => this.onRunsChanged(w, ids));
    const onUri = (uri: vscode.Uri) => {
      const id = runIdOfChange(w.root.runsDir, uri.fsPath);
      if (id) coalescer.add(id);
      else if (path.resolve(uri.fsPath) === w.root.runsDir) coalescer.add('');
    };
    const runs = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(w.root.runsDir), RUNS_WATCH_GLOB));
    // The runs folder itself appearing or going (first run ever, folder deleted by hand).
    const self = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(w.root.runsDir)), path.basename(w.root.runsDir)));
    for (const watcher of [runs, self]) {
      w.disposables.push(watcher, watcher.onDidCreate(onUri), watcher.onDidChange(onUri), watcher.onDidDelete(onUri));
    }
    w.disposables.push({ dispose: () => coalescer.dispose() });
  }

  private onRunsChanged(w: WatchedRoot, ids: string[]): void {
    if (!this.watched.includes(w)) return; // a rebuild replaced this root meanwhile
    if (ids.includes('')) this.refreshRoot(w);
    else {
      for (const id of ids) {
        try {
          w.catalog.refreshRun(id);
        } catch (e) {
          this.output.warn(`runs view: ${id}: ${(e as Error).message}`);
        }
      }
    }
    this.updateMessage();
    this.showChanges();
    this.runsChanged.fire(ids.filter(Boolean).map((id) => path.join(w.root.runsDir, id)));
  }

  /**
   * Redraws what changed since the last redraw (or everything when `force`): rows alone when the
   * same rows stand in the same order, so VS Code keeps the other items' handles (treeRedraw says
   * why that matters), nothing when nothing changed (an annotation's file-watcher echo).
   */
  private showChanges(force = false): void {
    const shown: ShownTree = { roots: this.watched.map((w) => ({ error: w.error, nodes: buildRunsTree(w.catalog.list()) })), message: this.treeView.message };
    const redraw = force ? 'all' : treeRedraw(this.shown, shown);
    this.shown = shown;
    if (redraw === 'none') return;
    if (redraw === 'all') {
      const listed = new Set(shown.roots.flatMap((r) => r.nodes.map((n) => n.runDir)));
      for (const dir of [...this.runElementsByDir.keys()]) if (!listed.has(dir)) this.runElementsByDir.delete(dir);
      this.changed.fire(undefined);
      return;
    }
    const nodes = new Map(shown.roots.flatMap((r) => r.nodes.map((n) => [n.runDir, n] as const)));
    const rows = redraw.flatMap((dir) => {
      const element = this.runElementsByDir.get(dir);
      if (!element) return []; // never fetched (the view was hidden): it will be built fresh
      element.node = nodes.get(dir)!;
      return [element];
    });
    if (rows.length) this.changed.fire(rows);
  }

  private updateMessage(): void {
    const errors = this.watched.map((w) => w.error).filter((e): e is string => !!e);
    const count = this.watched.reduce((n, w) => n + w.catalog.list().length, 0);
    if (!vscode.workspace.workspaceFolders?.length) this.treeView.message = 'Open a folder to see its HELENE runs.';
    else if (errors.length) this.treeView.message = `Cannot list ${errors.join('; ')}`;
    else if (count === 0) {
      const where = this.watched.map((w) => vscode.workspace.asRelativePath(w.root.runsDir)).join(', ');
      this.treeView.message = `No runs yet (runs folder: ${where}). Start one with "HELENE: Start HELENE run".`;
    } else this.treeView.message = undefined;
  }

  getChildren(element?: RunsElement): RunsElement[] {
    if (!element) {
      if (this.watched.length === 1) return this.runElements(this.watched[0]);
      return this.watched.map((w) => ({ kind: 'root', root: w.root }));
    }
    if (element.kind === 'root') {
      const w = this.watched.find((x) => x.root.runsDir === element.root.runsDir);
      return w ? this.runElements(w) : [];
    }
    return [];
  }

  private runElements(w: WatchedRoot): RunsElement[] {
    return buildRunsTree(w.catalog.list()).map((node) => {
      const known = this.runElementsByDir.get(node.runDir);
      if (known) {
        known.node = node;
        known.root = w.root;
        return known;
      }
      const element = { kind: 'run' as const, node, root: w.root };
      this.runElementsByDir.set(node.runDir, element);
      return element;
    });
  }

  getParent(element: RunsElement): RunsElement | undefined {
    return element.kind === 'run' && this.watched.length > 1 ? { kind: 'root', root: element.root } : undefined;
  }

  getTreeItem(element: RunsElement): vscode.TreeItem {
    if (element.kind === 'root') {
      const w = this.watched.find((x) => x.root.runsDir === element.root.runsDir);
      const f = rootItemFields(element.root, w?.catalog.list().length ?? 0);
      const item = new vscode.TreeItem(f.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = f.id;
      item.description = w?.error ? `cannot list: ${w.error}` : f.description;
      item.tooltip = f.tooltip;
      item.contextValue = f.contextValue;
      item.iconPath = new vscode.ThemeIcon('root-folder');
      return item;
    }
    const f = runItemFields(element.node);
    const item = new vscode.TreeItem(f.label, vscode.TreeItemCollapsibleState.None);
    item.id = f.id;
    item.description = f.description;
    const tooltip = new vscode.MarkdownString(f.tooltip);
    tooltip.supportHtml = false;
    tooltip.isTrusted = false;
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(f.iconId, f.iconColor ? new vscode.ThemeColor(f.iconColor) : undefined);
    item.contextValue = f.contextValue;
    item.resourceUri = vscode.Uri.file(f.runDir);
    // No click command: a click selects (ctrl/shift-click builds a selection to compare); the
    // inline graph button and the context menu open the panel.
    return item;
  }

  dispose(): void {
    for (const w of this.watched) for (const d of w.disposables) d.dispose();
    this.watched = [];
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
