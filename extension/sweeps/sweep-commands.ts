/**
 * Sweep commands: thin VS Code wrappers around the vscode-free sweep engine (runtime/runs/
 * sweep-spec.ts, sweep-queue.ts, sweep-table.ts). Start sweep picks a config like Start run, asks for
 * the grid (validated as typed with the same parser and resolveConfig, showing the run count) and a
 * sort metric, and starts a SweepQueue whose runs go through the RunRegistry like single runs.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError, mergeConfig, type ExperimentRanges, type SweepRecord, type SweepSortMetric } from '../../runtime/protocol';
import { loadConfig, parseOverride, readUserConfig } from '../../runtime/cli/config-file';
import { defaultSweepId, expandSweep, parseSweepGrid, type PlannedRun } from '../../runtime/runs/sweep-spec';
import { readSweepFile, sweepFile } from '../../runtime/runs/sweep-queue';
import { readSweepTable, SWEEP_METRIC_LABELS, SWEEP_SORT_METRICS, sweepTableCsv } from '../../runtime/runs/sweep-table';
import { chooseRunConfig } from '../commands/start-run';
import { ComparePanel } from '../compare/compare-panel';
import { runsDirFor, settingOverrides } from '../run-overrides';
import type { RunsView } from '../runs-view/runs-view';
import type { Services } from '../services';
import { readQueueUrl, readRunSettings, SETTINGS_SECTION } from '../settings';
import { RunPanel } from '../panel/run-panel';
import { parseRedisUrl } from '../../runtime/queue/redis-connection';
import { RemoteRunMirror } from './remote-run-mirror';
import { ensureTrusted } from '../workspace-trust';
import { registryLauncher, type SweepManager } from './sweep-manager';
import { SweepViewsPanel } from './sweep-views-panel';
import { ExperimentsPanel } from '../experiments/experiments-panel';
import { SWEEPS_VIEW_ID, type SweepsView } from './sweeps-view';

type Handler = (...args: unknown[]) => unknown;

export const GRID_PLACEHOLDER = 'optimizer.lr=1e-3,3e-3,1e-2; optimizer.name=mezo,helene; seed=1,2';

/** Validate a grid against a base config: an error text, or the plan. Used by the input box as the user types. */
export function checkGrid(base: Record<string, unknown>, grid: string, sweepId: string): { plans: PlannedRun[] } | { error: string } {
  try {
    return { plans: expandSweep(base, parseSweepGrid(grid), { sweepId }) };
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
    return { error: (e as Error).message };
  }
}

function uniqueSweepId(runsDir: string): string {
  const base = defaultSweepId();
  let id = base;
  for (let n = 2; fs.existsSync(sweepFile(runsDir, id)) || fs.existsSync(path.join(runsDir, `${id}-01`)); n++) id = `${base}-${n}`;
  return id;
}

function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.endsWith('.json')) return vscode.Uri.file(path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', arg));
  return undefined;
}

export function sweepCommands(services: Services, manager: SweepManager, view: SweepsView, runsView: RunsView) {
  /** The sweep a command acts on: the clicked element, a sweep file path, the selection, else a quick pick. */
  const target = async (arg: unknown, title: string, filter: (r: SweepRecord, file: string) => boolean = () => true): Promise<{ record: SweepRecord; file: string } | undefined> => {
    const fromArg = (a: unknown): string | undefined =>
      a && typeof a === 'object' && 'file' in a && typeof (a as { file: unknown }).file === 'string' ? (a as { file: string }).file : typeof a === 'string' && a.endsWith('.json') ? a : undefined;
    const file = fromArg(arg) ?? fromArg(view.selection[0]);
    if (file) {
      try {
        return { record: manager.queueOf(file)?.record ?? readSweepFile(file), file };
      } catch (e) {
        void vscode.window.showErrorMessage(`HELENE: ${(e as Error).message}`);
        return undefined;
      }
    }
    const candidates = view.sweeps().filter(({ record, file: f }) => filter(record, f));
    if (!candidates.length) {
      void vscode.window.showInformationMessage('HELENE: no sweep to act on.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((c) => ({ label: c.record.id, description: `${c.record.state} · ${c.record.entries.length} runs`, detail: c.record.grid, c })),
      { title },
    );
    return picked?.c;
  };

  // Optional second and third arguments (grid text, sort metric) skip the input box and the quick
  // pick (keybindings, other extensions, the VS Code suite); they are validated like typed input.
  // A fourth argument ('local' | 'queue') picks where the runs go without asking (tests, keybindings).
  const start: Handler = async (arg?: unknown, gridArg?: unknown, sortArg?: unknown, targetArg?: unknown) => {
    if (!(await ensureTrusted())) return undefined;
    const uri = toUri(arg) ?? (await chooseRunConfig(services));
    if (!uri) return undefined;
    const configPath = uri.fsPath;
    const workspaceRoot = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const settings = readRunSettings(uri);
    const overrides = settingOverrides(settings);
    let base: Record<string, unknown>;
    let runsDir: string;
    try {
      const user = readUserConfig(configPath);
      const { config } = loadConfig(configPath, overrides.map(parseOverride));
      base = overrides.reduce<Record<string, unknown>>((acc, o) => mergeConfig(acc, parseOverride(o)), user);
      runsDir = runsDirFor(settings, user, workspaceRoot) ?? config.output.runsDir;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      services.output.error(e.message);
      void vscode.window.showErrorMessage(`${path.basename(configPath)}: ${e.issues[0] ? `${e.issues[0].path}: ${e.issues[0].message}` : 'invalid run configuration'}`);
      return undefined;
    }
    const sweepId = uniqueSweepId(runsDir);
    const grid = typeof gridArg === 'string' ? gridArg : await vscode.window.showInputBox({
      title: `HELENE: Start sweep over ${path.basename(configPath)}`,
      prompt: 'Grid: axes separated by ";", values by "," (or JSON {"optimizer.lr": [0.001, 0.003]}). Every run is validated before any starts.',
      placeHolder: GRID_PLACEHOLDER,
      ignoreFocusOut: true,
      validateInput: (text) => {
        if (!text.trim()) return undefined;
        const r = checkGrid(base, text, sweepId);
        if ('error' in r) return { message: r.error, severity: vscode.InputBoxValidationSeverity.Error };
        return { message: `${r.plans.length} run${r.plans.length === 1 ? '' : 's'}: ${r.plans.slice(0, 3).map((p) => p.label).join(' | ')}${r.plans.length > 3 ? ' | …' : ''}`, severity: vscode.InputBoxValidationSeverity.Info };
      },
    });
    if (!grid?.trim()) return undefined;
    const checked = checkGrid(base, grid, sweepId);
    if ('error' in checked) {
      void vscode.window.showErrorMessage(`HELENE: ${checked.error}`);
      return undefined;
    }
    const sortPick = SWEEP_SORT_METRICS.includes(sortArg as SweepSortMetric)
      ? { metric: sortArg as SweepSortMetric }
      : await vscode.window.showQuickPick(
          SWEEP_SORT_METRICS.map((m) => ({ label: SWEEP_METRIC_LABELS[m], description: m === 'accuracy' ? 'highest first' : 'lowest first', metric: m })),
          { title: 'HELENE: Sort the sweep table by' },
        );
    if (!sortPick) return undefined;
    const sort: SweepSortMetric = sortPick.metric;
    const cliPath = path.join(services.extensionPath, 'dist', 'cli.js');
    if (!fs.existsSync(cliPath)) {
      void vscode.window.showErrorMessage(`The HELENE runtime is missing (${cliPath}); build the extension with "npm run build".`);
      return undefined;
    }
    const queueUrl = readQueueUrl(uri);
    if (queueUrl) {
      let display: string;
      try {
        display = parseRedisUrl(queueUrl, 'heleneStudio.queue.url').display;
      } catch (e) {
        void vscode.window.showErrorMessage(`HELENE: ${(e as Error).message}`);
        return undefined;
      }
      const where = targetArg === 'local' || targetArg === 'queue'
        ? targetArg
        : (await vscode.window.showQuickPick(
            [
              { label: 'On this machine', description: 'runs as child processes here', where: 'local' as const },
              { label: `On the queue ${display}`, description: 'workers on any machine run them (helene-studio worker)', where: 'queue' as const },
            ],
            { title: `HELENE: Where should the ${checked.plans.length} runs go?` },
          ))?.where;
      if (!where) return undefined;
      if (where === 'queue') return startOnQueue({ queueUrl, display, cliPath, configPath, grid, sort, sweepId, runsDir, overrides, cwd: workspaceRoot ?? path.dirname(configPath), runs: checked.plans.length });
    }
    const parallel = Math.max(1, Math.floor(vscode.workspace.getConfiguration(SETTINGS_SECTION, uri).get<number>('sweepParallel', 1) || 1));
    const queue = manager.start({
      sweep: { id: sweepId, config: configPath, overrides, grid, axes: parseSweepGrid(grid), sort, runsDir },
      plans: checked.plans,
      parallel,
      launch: registryLauncher(services.registry, { cliPath, configPath, runsDir, overrides, cwd: workspaceRoot ?? path.dirname(configPath) }, sweepId),
    });
    services.output.info(`sweep ${sweepId}: ${checked.plans.length} runs of ${configPath}, ${parallel} at a time (grid ${grid}); record ${queue.file}`);
    void vscode.commands.executeCommand(`${SWEEPS_VIEW_ID}.focus`);
    view.refresh();
    return queue;
  };

  /**
   * A queue sweep is the CLI's `sweep --queue` in a child process: it enqueues, follows the jobs and
   * keeps the local sweep record (the view's file watcher shows it); SIGINT to it stops the sweep.
   */
  const startOnQueue = (o: { queueUrl: string; display: string; cliPath: string; configPath: string; grid: string; sort: SweepSortMetric; sweepId: string; runsDir: string; overrides: string[]; cwd: string; runs: number }) => {
    const args = [o.cliPath, 'sweep', '--queue', o.queueUrl, '--config', o.configPath, '--grid', o.grid, '--sort', o.sort, '--sweep-id', o.sweepId, '--set', `output.runsDir=${JSON.stringify(o.runsDir)}`];
    for (const ov of o.overrides) args.push('--set', ov);
    const child = spawn(process.execPath, args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = sweepFile(o.runsDir, o.sweepId);
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    manager.startRemote(file, child, ended);
    const log = (level: 'info' | 'error') => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) services.output[level](`[sweep ${o.sweepId}] ${line}`);
    };
    child.stdout.on('data', log('info'));
    child.stderr.on('data', log('error'));
    void ended.then((code) => {
      view.refresh();
      if (code === 1) void vscode.window.showErrorMessage(`HELENE: sweep ${o.sweepId} on the queue ended with failures (see the output).`);
    });
    services.output.info(`sweep ${o.sweepId}: ${o.runs} runs of ${o.configPath} on the queue ${o.display} (grid ${o.grid}); record ${file}`);
    void vscode.commands.executeCommand(`${SWEEPS_VIEW_ID}.focus`);
    view.refresh();
    return { file, sweepId: o.sweepId, pid: child.pid, ended };
  };

  const stop: Handler = async (arg?: unknown) => {
    const t = await target(arg, 'HELENE: Stop sweep', (r, f) => r.state === 'running' && (!!manager.queueOf(f) || !!manager.remoteOf(f)));
    if (!t) return;
    const remote = manager.remoteOf(t.file);
    if (remote) {
      remote.kill('SIGINT');
      services.output.info(`sweep ${t.record.id}: stop requested on the queue (waiting runs cancelled, running ones stop at the next step boundary)`);
      return;
    }
    const queue = manager.queueOf(t.file);
    if (!queue) {
      const msg = t.record.state === 'running'
        ? `Sweep ${t.record.id} is run by another process (pid ${t.record.pid}, e.g. the CLI); stop it there (Ctrl-C).`
        : `Sweep ${t.record.id} is not running (${t.record.state}).`;
      void vscode.window.showInformationMessage(`HELENE: ${msg}`);
      return;
    }
    queue.stop();
    services.output.info(`sweep ${t.record.id}: stop requested (queued runs cancelled, running ones stop at the next step boundary)`);
    view.refresh();
  };

  const compare: Handler = async (arg?: unknown) => {
    const t = await target(arg, 'HELENE: Compare sweep runs');
    if (!t) return;
    const dirs = readSweepTable(t.record).filter((r) => r.state !== 'queued' && r.state !== 'cancelled' && fs.existsSync(path.join(r.runDir, 'run.json'))).map((r) => r.runDir);
    if (dirs.length < 2) {
      void vscode.window.showInformationMessage(`HELENE: sweep ${t.record.id} has ${dirs.length} run folder(s) yet; a comparison needs two.`);
      return;
    }
    const openRun = (dir: string) => void vscode.commands.executeCommand('helene.openPanel', dir);
    return ComparePanel.show({ extensionUri: services.extensionUri, output: services.output, openRun, onDidChangeRuns: runsView.onDidChangeRuns }, dirs);
  };

  /** Brushed ranges → the open Experiments table. False: no table is open to take them. */
  const filterExperiments = (ranges: ExperimentRanges): Promise<boolean> => ExperimentsPanel.applyRanges(ranges);

  const openViews: Handler = async (arg?: unknown) => {
    const t = await target(arg, 'HELENE: Open sweep views');
    if (!t) return;
    const openRun = (dir: string) => void vscode.commands.executeCommand('helene.openPanel', dir);
    const onDidChangeSweep = (listener: (file: string) => void) => manager.events.on('changed', (record) => listener(sweepFile(record.runsDir, record.id)));
    return SweepViewsPanel.show({ extensionUri: services.extensionUri, output: services.output, openRun, filterExperiments, onDidChangeRuns: runsView.onDidChangeRuns, onDidChangeSweep }, t.file, t.record.id);
  };

  const exportCsv: Handler = async (arg?: unknown) => {
    const t = await target(arg, 'HELENE: Export sweep table (CSV)');
    if (!t) return;
    const rows = readSweepTable(t.record);
    const dest = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(t.file.replace(/\.json$/, '.csv')), filters: { CSV: ['csv'] }, title: `Export the table of sweep ${t.record.id}` });
    if (!dest) return;
    fs.writeFileSync(dest.fsPath, sweepTableCsv(rows, t.record.axes));
    services.output.info(`sweep ${t.record.id}: table exported to ${dest.fsPath}`);
    return dest.fsPath;
  };

  const refresh: Handler = () => view.refresh();

  /** The panel of a queue run whose folder is not on this machine: live from the run's Redis stream. */
  const openRemoteRun: Handler = async (runId?: unknown, runDir?: unknown) => {
    const url = readQueueUrl();
    if (typeof runId !== 'string' || typeof runDir !== 'string') return undefined;
    if (!url) {
      void vscode.window.showErrorMessage(`HELENE: run ${runId} is on a queue; set heleneStudio.queue.url to follow it from here.`);
      return undefined;
    }
    const mirror = new RemoteRunMirror(url, runId);
    try {
      await mirror.start();
    } catch (e) {
      mirror.close();
      void vscode.window.showErrorMessage(`HELENE: ${(e as Error).message}`);
      return undefined;
    }
    return RunPanel.showRemote(services, runDir, mirror);
  };

  return { start, stop, compare, openViews, exportCsv, refresh, openRemoteRun };
}
