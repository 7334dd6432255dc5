/**
 * The runs view's tree items as plain data (no 'vscode' import): the extension's TreeDataProvider
 * maps each RunTreeNode onto a vscode.TreeItem one to one (label, description, tooltip as
 * MarkdownString, ThemeIcon(icon.id, ThemeColor(icon.color)), contextValue, resourceUri = runDir).
 *
 * contextValue grammar (for package.json menus' `when` clauses):
 *   heleneRun.live[.starred]     a starting/running/paused run: open, stop, star; not delete
 *   heleneRun.ended[.resumable][.starred]
 *                                finished/stopped/failed/crashed/interrupted: open, re-run, delete, …;
 *                                .resumable: ended early with a checkpoint to continue from
 *   heleneRun.unreadable         a folder that is not a readable run: reveal, delete
 */
import type { RunState } from '../protocol';
import { isLive, isResumable, type RunListEntry, type RunListItem } from './run-list-item';

export interface RunTreeNode {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  icon: { id: string; color?: string };
  contextValue: string;
  runDir: string;
  /** Run id, for commands that take one (the same as id for run nodes). */
  runId: string;
}

export type RunSort = 'newest' | 'oldest' | 'name' | 'best-eval';

export interface TreeOptions {
  sort?: RunSort;
  /** Starred runs first (default true). */
  starredFirst?: boolean;
  /** Show only runs carrying this tag. */
  tag?: string;
}

export const STATE_ICONS: Record<RunState, { id: string; color?: string }> = {
  starting: { id: 'loading~spin' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  paused: { id: 'debug-pause', color: 'charts.yellow' },
  finished: { id: 'pass', color: 'testing.iconPassed' },
  stopped: { id: 'debug-stop', color: 'descriptionForeground' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  crashed: { id: 'flame', color: 'errorForeground' },
  interrupted: { id: 'warning', color: 'list.warningForeground' },
};
export const UNREADABLE_ICON = { id: 'question', color: 'disabledForeground' };

export function formatLoss(v: number): string {
  return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);
}

/** "2025-11-23 14:25" in local time: start times are for people. */
export function formatStart(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function bestEvalText(run: RunListItem): string {
  const b = run.bestEval;
  if (!b) return '';
  return `best ${formatLoss(b.loss)}${b.accuracy !== undefined ? ` (${(100 * b.accuracy).toFixed(1)}%)` : ''}`;
}

export function runNode(run: RunListItem): RunTreeNode {
  const live = isLive(run.state);
  const progress = run.totalSteps ? `${run.step}/${run.totalSteps}` : String(run.step);
  const description = [run.optimizer, run.model, run.state, progress, bestEvalText(run), formatStart(run.startedAt)].filter(Boolean).join(' · ');
  const tooltip = [
    `**${escapeMarkdown(run.name)}** — ${run.state}`,
    `optimizer ${escapeMarkdown(run.optimizer)}, model ${escapeMarkdown(run.model)}${run.provider ? `, ${run.provider}` : ''}`,
    `step ${progress}`,
    run.bestEval ? `${bestEvalText(run)} at step ${run.bestEval.t}` : 'no evaluation yet',
    `started ${formatStart(run.startedAt)}`,
    run.tags.length ? `tags: ${run.tags.map(escapeMarkdown).join(', ')}` : '',
    run.notes ? `\n${escapeMarkdown(run.notes)}` : '',
    isResumable(run) ? `resumable from the checkpoint at step ${run.checkpointStep} (Resume from checkpoint)` : '',
    run.error ? `\n\`\`\`\n${run.error}\n\`\`\`` : '',
    ...run.warnings.map((w) => `⚠ ${escapeMarkdown(w)}`),
    `\n\`${run.id}\``,
  ].filter(Boolean);
  return {
    id: run.id,
    label: `${run.starred ? '★ ' : ''}${run.name}`,
    description,
    tooltip: tooltip.join('\n\n'),
    icon: STATE_ICONS[run.state] ?? UNREADABLE_ICON,
    contextValue: `heleneRun.${live ? 'live' : 'ended'}${isResumable(run) ? '.resumable' : ''}${run.starred ? '.starred' : ''}`,
    runDir: run.dir,
    runId: run.id,
  };
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

function compare(sort: RunSort): (a: RunListItem, b: RunListItem) => number {
  switch (sort) {
    case 'oldest':
      return (a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id);
    case 'name':
      return (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
    case 'best-eval':
      return (a, b) => (a.bestEval?.loss ?? Infinity) - (b.bestEval?.loss ?? Infinity) || a.id.localeCompare(b.id);
    default:
      return (a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id);
  }
}

/** Readable runs sorted (starred first by default), then unreadable folders by name. */
export function buildRunsTree(entries: readonly RunListEntry[], options: TreeOptions = {}): RunTreeNode[] {
  const runs = entries.filter((e): e is RunListItem => e.kind === 'run').filter((r) => !options.tag || r.tags.includes(options.tag));
  const by = compare(options.sort ?? 'newest');
  const starredFirst = options.starredFirst ?? true;
  runs.sort((a, b) => (starredFirst && a.starred !== b.starred ? (a.starred ? -1 : 1) : by(a, b)));
  const bad = options.tag ? [] : entries.filter((e) => e.kind === 'unreadable').sort((a, b) => a.id.localeCompare(b.id));
  return [
    ...runs.map(runNode),
    ...bad.map(
      (e): RunTreeNode => ({
        id: e.id,
        label: e.id,
        description: `unreadable: ${e.kind === 'unreadable' ? e.reason : ''}`,
        tooltip: `**${escapeMarkdown(e.id)}** cannot be read\n\n${escapeMarkdown(e.kind === 'unreadable' ? e.reason : '')}`,
        icon: UNREADABLE_ICON,
        contextValue: 'heleneRun.unreadable',
        runDir: e.dir,
        runId: e.id,
      }),
    ),
  ];
}
