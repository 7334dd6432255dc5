/**
 * The runs view's glue as plain data (no 'vscode' import, unit-tested): which runs folders the
 * view shows, its elements (a runs-folder group or a run node), how RunTreeNodes become TreeItem
 * fields, how command arguments (clicked item, multi-selection, a path from the palette) resolve
 * to run folders, and where a "re-run with changes" copy of a config goes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunTreeNode } from '../../runtime/runs/tree-model';

/** One runs folder the view lists (one per workspace folder; two folders sharing one are listed once). */
export interface RunsRoot {
  /** Workspace folder name (the group label when more than one folder is shown). */
  label: string;
  /** Absolute runs folder. */
  runsDir: string;
  /** Absolute workspace folder (where .helene/configs/ goes). */
  workspaceRoot: string;
}

export interface WorkspaceFolderInfo {
  name: string;
  fsPath: string;
  /** heleneStudio.runsFolder for that folder (relative to it, or absolute). */
  runsFolder: string;
}

export function runsRoots(folders: readonly WorkspaceFolderInfo[]): RunsRoot[] {
  const out: RunsRoot[] = [];
  for (const f of folders) {
    const runsDir = path.resolve(f.fsPath, f.runsFolder || 'runs');
    if (out.some((r) => r.runsDir === runsDir)) continue;
    out.push({ label: f.name, runsDir, workspaceRoot: f.fsPath });
  }
  return out;
}

export type RunsElement = { kind: 'root'; root: RunsRoot } | { kind: 'run'; node: RunTreeNode; root: RunsRoot };

/** TreeItem fields as plain data (the providers wrap tooltip in a MarkdownString and icon in ThemeIcon/ThemeColor). */
export interface TreeItemFields {
  /** Unique in its view and stable across refreshes, so selection survives. */
  id: string;
  label: string;
  description: string;
  tooltip: string;
  iconId: string;
  iconColor?: string;
  contextValue: string;
}

/** A run node's fields; its id is the run folder path (unique over all runs folders). */
export interface RunItemFields extends TreeItemFields {
  runDir: string;
}

export function runItemFields(node: RunTreeNode): RunItemFields {
  return {
    id: node.runDir,
    label: node.label,
    description: node.description,
    tooltip: node.tooltip,
    iconId: node.icon.id,
    iconColor: node.icon.color,
    contextValue: node.contextValue,
    runDir: node.runDir,
  };
}

export function rootItemFields(root: RunsRoot, count: number): { id: string; label: string; description: string; tooltip: string; contextValue: string } {
  return {
    id: `root:${root.runsDir}`,
    label: root.label,
    description: `${count} run${count === 1 ? '' : 's'}`,
    tooltip: root.runsDir,
    contextValue: 'heleneRunsFolder',
  };
}

export function isRunElement(v: unknown): v is Extract<RunsElement, { kind: 'run' }> {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { kind?: unknown; node?: { runDir?: unknown } };
  return o.kind === 'run' && typeof o.node?.runDir === 'string';
}

/**
 * The runs a command acts on. A view/item/context command gets (clicked, selected[]): the whole
 * selection when the clicked item is part of it, else the clicked item alone. A palette call gets
 * nothing (→ `fallback`, the view's selection) or a path string.
 */
export function resolveRunTargets(
  clicked: unknown,
  selected: unknown,
  fallback: readonly RunsElement[] = [],
): { runDir: string; element?: Extract<RunsElement, { kind: 'run' }> }[] {
  const fromElements = (els: readonly unknown[]) => els.filter(isRunElement).map((e) => ({ runDir: e.node.runDir, element: e }));
  if (isRunElement(clicked)) {
    if (Array.isArray(selected) && selected.some((s) => isRunElement(s) && s.node.runDir === clicked.node.runDir)) return dedupe(fromElements(selected));
    return fromElements([clicked]);
  }
  if (typeof clicked === 'string' && clicked) return [{ runDir: path.resolve(clicked) }];
  if (Array.isArray(clicked)) {
    const dirs = clicked.filter((c): c is string => typeof c === 'string' && c.length > 0).map((d) => ({ runDir: path.resolve(d) }));
    if (dirs.length) return dedupe(dirs);
  }
  return dedupe(fromElements(fallback));
}

function dedupe<T extends { runDir: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.runDir) && (seen.add(i.runDir), true));
}

/** A file-name-safe form of a run name: "HELENE lr=1e-3 / seed 2" → "helene-lr-1e-3-seed-2". */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/g, '');
  return s || 'run';
}

/**
 * Where a "re-run with changes" copy goes: <workspace>/.helene/configs/<name>-rerun.helene.json,
 * or …-rerun-2…, -3… when taken (an earlier copy may hold the user's edits: never overwritten).
 */
export function rerunConfigPath(workspaceRoot: string, runName: string, exists: (file: string) => boolean = fs.existsSync): string {
  const dir = path.join(workspaceRoot, '.helene', 'configs');
  const base = `${slugify(runName)}-rerun`;
  for (let k = 1; ; k++) {
    const file = path.join(dir, `${base}${k === 1 ? '' : `-${k}`}.helene.json`);
    if (!exists(file)) return file;
  }
}

/** The root a run folder belongs to (its direct parent is the runs folder), if the view shows it. */
export function rootOfRunDir(roots: readonly RunsRoot[], runDir: string): RunsRoot | undefined {
  const parent = path.dirname(path.resolve(runDir));
  return roots.find((r) => r.runsDir === parent);
}

/** Everything the Runs view shows: each runs folder's error and tree nodes, and the view's message. */
export interface ShownTree {
  roots: { error: string | null; nodes: RunTreeNode[] }[];
  message: string | undefined;
}

/**
 * How to bring the view from what it showed to what it must show: nothing; only some rows (their run
 * folders), when the same rows stand in the same order; or everything. A full redraw makes VS Code
 * drop every item handle until it has fetched the tree again, and a context-menu command dispatched
 * in that moment reaches its handler without its run ("Delete run folder…" on a row asked "which
 * run?" in the e2e tier while another run was live): a live run's progress must redraw its row only.
 */
export function treeRedraw(before: ShownTree | null, after: ShownTree): 'none' | 'all' | string[] {
  const layout = (t: ShownTree) => JSON.stringify({ roots: t.roots.map((r) => ({ error: r.error, ids: r.nodes.map((n) => n.id) })), message: t.message ?? null });
  if (!before || layout(before) !== layout(after)) return 'all';
  const rows: string[] = [];
  after.roots.forEach((root, i) =>
    root.nodes.forEach((node, j) => {
      if (JSON.stringify(node) !== JSON.stringify(before.roots[i].nodes[j])) rows.push(node.runDir);
    }),
  );
  return rows.length ? rows : 'none';
}

/** The modal delete question, naming the folder and saying what stays. */
export function deleteQuestion(runDirs: readonly string[]): { message: string; detail: string } {
  if (runDirs.length === 1) {
    return {
      message: `Delete the run folder "${path.basename(runDirs[0])}"?`,
      detail: `${runDirs[0]}\n\nThe folder and everything in it (metrics, checkpoints, exported model) is deleted. Nothing else is removed (the config it was started from stays).`,
    };
  }
  return {
    message: `Delete ${runDirs.length} run folders?`,
    detail: `${runDirs.join('\n')}\n\nThese folders and everything in them are deleted. Nothing else is removed.`,
  };
}

/** File-watcher glob under a runs folder: run folders themselves and their small state files (not metrics.jsonl). */
export const RUNS_WATCH_GLOB = '{*,*/run.json,*/status.json,*/summary.json}';
