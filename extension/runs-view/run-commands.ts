/**
 * The Runs view's commands: thin VS Code wrappers around runtime/runs/ (annotateRun, deleteRun,
 * the compare panel) and the existing start-run path. Each takes what VS Code passes from a
 * view/item/context menu (clicked element, selected elements), a run folder path (palette,
 * other extensions, tests), or nothing (→ the view's selection, else a quick pick).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { annotateRun, MAX_NAME_LENGTH, parseTagList } from '../../runtime/runs/annotations';
import { checkDeletable, deleteRun } from '../../runtime/runs/delete-run';
import { isLive, isResumable, type RunListEntry, type RunListItem } from '../../runtime/runs/run-list-item';
import { describeCheckpoints } from '../../runtime/run/checkpoint';
import { validateHyperparameterPatch } from '../../runtime/protocol';
import { ensureTrusted } from '../workspace-trust';
import { ComparePanel } from '../compare/compare-panel';
import { loadRunHistory } from '../panel/history-process';
import { RunPanel } from '../panel/run-panel';
import type { Services } from '../services';
import { startRunCommand } from '../commands/start-run';
import { deleteQuestion, resolveRunTargets, rerunConfigPath, rootOfRunDir } from './runs-view-model';
import type { RunsView } from './runs-view';

type Handler = (...args: unknown[]) => unknown;

/**
 * Resume: which kept checkpoint (newest good one first; those marked not good after a NaN stop are
 * not offered), then optionally another lr from the first resumed step (empty keeps the checkpoint's).
 */
async function pickCheckpoint(dir: string): Promise<{ step: number; lr?: number } | undefined> {
  const kept = describeCheckpoints(dir).filter((c) => c.lossFinite !== false);
  if (!kept.length) {
    void vscode.window.showInformationMessage('HELENE: this run keeps no checkpoint that can be resumed.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    kept.map((c, i) => ({
      label: `step ${c.step}`,
      description: `${c.lastLoss !== null && Number.isFinite(c.lastLoss) ? `train loss ${c.lastLoss.toPrecision(4)}` : 'loss unknown'} · lr ${c.lr}${i === 0 ? ' · newest' : ''}`,
      ckpt: c,
    })),
    { title: 'HELENE: Resume from which checkpoint? (later records are dropped)' },
  );
  if (!picked) return undefined;
  const text = await vscode.window.showInputBox({
    title: `HELENE: Learning rate from step ${picked.ckpt.step + 1}`,
    prompt: `Empty keeps the checkpoint's lr (${picked.ckpt.lr}). A NaN or diverged run usually needs it 10x lower.`,
    validateInput: (v) => {
      if (!v.trim()) return undefined;
      const checked = validateHyperparameterPatch({ lr: Number(v) });
      return checked.ok ? undefined : checked.reason;
    },
  });
  if (text === undefined) return undefined;
  return { step: picked.ckpt.step, ...(text.trim() ? { lr: Number(text) } : {}) };
}

/** Run folders a command acts on; asks with a quick pick when nothing was given or selected. */
async function targets(view: RunsView, args: unknown[], opts: { many: boolean; title: string; readableOnly?: boolean }): Promise<string[]> {
  let dirs = resolveRunTargets(args[0], args[1], view.selection).map((t) => t.runDir);
  if (opts.readableOnly) dirs = dirs.filter((d) => view.entryOf(d)?.kind !== 'unreadable');
  if (dirs.length) return opts.many ? dirs : dirs.slice(0, 1);
  const candidates = view.entries().filter(({ entry }) => !opts.readableOnly || entry.kind === 'run');
  if (!candidates.length) {
    void vscode.window.showInformationMessage('No runs in the runs folder yet.');
    return [];
  }
  const items = candidates.map(({ entry }) => ({
    label: entry.kind === 'run' ? entry.name : entry.id,
    description: entry.kind === 'run' ? `${entry.optimizer} · ${entry.state}` : `unreadable: ${entry.reason}`,
    detail: entry.dir,
    dir: entry.dir,
  }));
  if (opts.many) {
    const picked = await vscode.window.showQuickPick(items, { title: opts.title, canPickMany: true, matchOnDetail: true });
    return picked?.map((p) => p.dir) ?? [];
  }
  const picked = await vscode.window.showQuickPick(items, { title: opts.title, matchOnDetail: true });
  return picked ? [picked.dir] : [];
}

function readable(view: RunsView, dir: string): RunListItem | undefined {
  const e: RunListEntry | undefined = view.entryOf(dir);
  return e?.kind === 'run' ? e : undefined;
}

function annotate(view: RunsView, dir: string, patch: Parameters<typeof annotateRun>[1]): boolean {
  try {
    annotateRun(dir, patch);
    view.refreshRun(dir);
    return true;
  } catch (e) {
    void vscode.window.showErrorMessage(`HELENE: ${(e as Error).message}`);
    return false;
  }
}

export function runsViewCommands(services: Services, view: RunsView) {
  const openPanel = (dir: string) => void vscode.commands.executeCommand('helene.openPanel', dir);

  const refresh: Handler = () => view.refresh();

  const open: Handler = async (...args) => {
    for (const dir of (await targets(view, args, { many: true, title: 'HELENE: Open run panel', readableOnly: true })).slice(0, 8)) openPanel(dir);
  };

  const rename: Handler = async (...args) => {
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Rename run', readableOnly: true });
    if (!dir) return;
    const current = readable(view, dir)?.name ?? path.basename(dir);
    const name = await vscode.window.showInputBox({
      title: `Rename ${path.basename(dir)}`,
      prompt: 'The run name shown in the Runs view and the panels (the folder keeps its name).',
      value: current,
      validateInput: (v) => (!v.trim() ? 'A run name cannot be empty.' : v.trim().length > MAX_NAME_LENGTH ? `At most ${MAX_NAME_LENGTH} characters.` : undefined),
    });
    if (name !== undefined && name.trim() !== current) annotate(view, dir, { name });
  };

  const editNotes: Handler = async (...args) => {
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Edit run notes', readableOnly: true });
    if (!dir) return;
    const notes = await vscode.window.showInputBox({
      title: `Notes for ${readable(view, dir)?.name ?? path.basename(dir)}`,
      prompt: 'Free text kept in run.json (empty removes the notes).',
      value: readable(view, dir)?.notes ?? '',
    });
    if (notes !== undefined) annotate(view, dir, { notes });
  };

  const editTags: Handler = async (...args) => {
    const dirs = await targets(view, args, { many: true, title: 'HELENE: Edit run tags', readableOnly: true });
    if (!dirs.length) return;
    const single = dirs.length === 1;
    const text = await vscode.window.showInputBox({
      title: single ? `Tags of ${readable(view, dirs[0])?.name ?? path.basename(dirs[0])}` : `Add tags to ${dirs.length} runs`,
      prompt: single ? 'Comma-separated tags (empty removes all).' : 'Comma-separated tags to add to each selected run.',
      value: single ? (readable(view, dirs[0])?.tags ?? []).join(', ') : '',
      validateInput: (v) => {
        try {
          parseTagList(v);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    if (text === undefined) return;
    const tags = parseTagList(text);
    for (const dir of dirs) annotate(view, dir, { tags: single ? tags : [...(readable(view, dir)?.tags ?? []), ...tags] });
  };

  const toggleStar: Handler = async (...args) => {
    const dirs = await targets(view, args, { many: true, title: 'HELENE: Star run', readableOnly: true });
    if (!dirs.length) return;
    // Mixed selection: star them all; all starred: unstar them all.
    const starred = !dirs.every((d) => readable(view, d)?.starred);
    for (const dir of dirs) annotate(view, dir, { starred });
  };

  const reveal: Handler = async (...args) => {
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Reveal run folder' });
    if (dir) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
  };

  const remove: Handler = async (...args) => {
    const dirs = await targets(view, args, { many: true, title: 'HELENE: Delete run folder' });
    if (!dirs.length) return;
    const ok: string[] = [];
    const refused: string[] = [];
    for (const dir of dirs) {
      const root = rootOfRunDir(view.roots, dir);
      if (!root) {
        refused.push(`${dir} is not inside a runs folder of this workspace`);
        continue;
      }
      try {
        ok.push(checkDeletable(root.runsDir, dir));
      } catch (e) {
        refused.push((e as Error).message);
      }
    }
    if (refused.length) void vscode.window.showWarningMessage(`HELENE: not deleted: ${refused.join('; ')}`);
    if (!ok.length) return;
    const q = deleteQuestion(ok);
    const answer = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, 'Delete');
    if (answer !== 'Delete') return;
    for (const dir of ok) {
      try {
        // Checked again at deletion: the run may have been started meanwhile.
        deleteRun(rootOfRunDir(view.roots, dir)!.runsDir, dir);
        RunPanel.find(dir)?.panel.dispose();
        services.output.info(`deleted run folder ${dir}`);
      } catch (e) {
        void vscode.window.showErrorMessage(`HELENE: could not delete ${path.basename(dir)}: ${(e as Error).message}`);
      }
      view.refreshRun(dir);
    }
  };

  const configOf = (dir: string): vscode.Uri | undefined => {
    const file = path.join(dir, 'config.json');
    if (fs.existsSync(file)) return vscode.Uri.file(file);
    void vscode.window.showErrorMessage(`HELENE: ${path.basename(dir)} has no config.json to re-run.`);
    return undefined;
  };

  // Continue an interrupted/stopped/failed run from its newest checkpoint, in the same run folder,
  // through the same supervisor as a new run (live panel, status bar, crash report).
  const resume: Handler = async (...args) => {
    if (!(await ensureTrusted())) return;
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Resume from checkpoint', readableOnly: true });
    const item = dir ? readable(view, dir) : undefined;
    if (!dir || !item) return;
    if (!isResumable(item)) {
      void vscode.window.showInformationMessage(
        `HELENE: ${item.name} cannot be resumed: ${isLive(item.state) ? 'it is still running' : item.state === 'finished' ? 'it finished' : 'it has no checkpoint'}.`,
      );
      return;
    }
    const choice = await pickCheckpoint(dir);
    if (!choice) return;
    const cliPath = path.join(services.extensionPath, 'dist', 'cli.js');
    services.output.info(`resuming "${item.name}" from the checkpoint at step ${choice.step}${choice.lr !== undefined ? ` with lr ${choice.lr}` : ''} (${dir})`);
    const resumeArgs = ['--from-step', String(choice.step), ...(choice.lr !== undefined ? [`--lr=${choice.lr}`] : [])];
    // The resumed process reports only its own steps: the panel gets the run's earlier records from the folder.
    const earlier = (runDir: string) => loadRunHistory({ cliPath, runDir, resumeFromStep: choice.step }).then((s) => s.records);
    return services.registry.start({ cliPath, configPath: path.join(dir, 'config.json'), resumeDir: dir, resumeArgs, cwd: path.dirname(dir) }, item.name, earlier);
  };

  const rerun: Handler = async (...args) => {
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Re-run with the same config', readableOnly: true });
    const uri = dir ? configOf(dir) : undefined;
    if (uri) await startRunCommand(services)(uri);
  };

  const rerunWithChanges: Handler = async (...args) => {
    const [dir] = await targets(view, args, { many: false, title: 'HELENE: Re-run with changes', readableOnly: true });
    const source = dir ? configOf(dir) : undefined;
    if (!dir || !source) return;
    const root = rootOfRunDir(view.roots, dir)?.workspaceRoot ?? vscode.workspace.getWorkspaceFolder(source)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!root) {
      void vscode.window.showErrorMessage('HELENE: open a folder first: the copy goes into .helene/configs/ of the workspace.');
      return;
    }
    const target = rerunConfigPath(root, readable(view, dir)?.name ?? path.basename(dir));
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source.fsPath, target, fs.constants.COPYFILE_EXCL);
    } catch (e) {
      void vscode.window.showErrorMessage(`HELENE: could not copy the config: ${(e as Error).message}`);
      return;
    }
    const uri = vscode.Uri.file(target);
    await vscode.window.showTextDocument(uri);
    const choice = await vscode.window.showInformationMessage(
      `Edit ${path.basename(target)} (a copy of ${path.basename(dir)}'s config), save it, then start it.`,
      'Start Run',
    );
    if (choice === 'Start Run') {
      await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === target)?.save();
      await startRunCommand(services)(uri);
    }
  };

  const compare: Handler = async (...args) => {
    let dirs = resolveRunTargets(args[0], args[1], view.selection)
      .map((t) => t.runDir)
      .filter((d) => view.entryOf(d)?.kind !== 'unreadable');
    if (dirs.length < 2) {
      const entries = view.entries().filter(({ entry }) => entry.kind === 'run');
      if (entries.length < 2) {
        void vscode.window.showInformationMessage('HELENE: a comparison needs at least two readable runs.');
        return;
      }
      const items = entries.map(({ entry }) => ({
        label: entry.kind === 'run' ? entry.name : entry.id,
        description: entry.kind === 'run' ? `${entry.optimizer} · ${entry.state}` : '',
        detail: entry.dir,
        dir: entry.dir,
        picked: dirs.includes(entry.dir),
      }));
      const picked = await vscode.window.showQuickPick(items, { title: 'HELENE: Compare runs (pick two or more)', canPickMany: true, matchOnDetail: true });
      if (!picked) return;
      dirs = picked.map((p) => p.dir);
      if (dirs.length < 2) {
        void vscode.window.showInformationMessage('HELENE: pick at least two runs to compare.');
        return;
      }
    }
    return ComparePanel.show({ extensionUri: services.extensionUri, output: services.output, openRun: openPanel, onDidChangeRuns: view.onDidChangeRuns }, dirs);
  };

  return { refresh, open, rename, editNotes, editTags, toggleStar, reveal, remove, resume, rerun, rerunWithChanges, compare };
}
