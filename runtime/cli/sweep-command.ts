/**
 * `helene-studio sweep`: expand base config x grid, validate every run up front, then run each
 * one as a child process of this CLI's own `train` command (one crash never takes the sweep down),
 * `parallel` at a time. Prints a line per state change and the sorted table at the end; writes
 * `<runsDir>/.sweeps/<id>.json` (live) and `<id>.csv` (at the end). Ctrl-C stops the sweep:
 * queued runs are cancelled, running ones get one SIGINT and stop at a step boundary.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, mergeConfig, type SweepRecord, type SweepSortMetric } from '../protocol';
import { writeFileAtomic } from '../run/atomic-write';
import { RUN_FILES } from '../run/run-folder';
import { defaultSweepId, expandSweep, parseSweepGrid, type PlannedRun } from '../runs/sweep-spec';
import { sweepFile, SweepQueue, type LaunchedRun, type LaunchResult } from '../runs/sweep-queue';
import { formatSweepTable, readSweepTable, sweepTableCsv } from '../runs/sweep-table';
import { loadConfig, parseOverride, readUserConfig } from './config-file';

export interface SweepOptions {
  config: string;
  grid: string;
  overrides: string[];
  parallel: number;
  sort: SweepSortMetric;
  sweepId?: string;
  /** The CLI entry to run children with (default: this process's script, i.e. dist/cli.js). */
  cliPath?: string;
  out?: (line: string) => void;
}

const STDERR_KEEP = 20;

/** Launch `node <cli> train` for one planned run; done reports how it ended, read back from its run folder. */
export function childLauncher(cliPath: string, configPath: string, baseOverrides: string[], runsDir: string): (plan: PlannedRun) => LaunchedRun {
  return (plan) => {
    const args = [cliPath, 'train', '--config', configPath, '--quiet'];
    for (const o of [...baseOverrides, ...plan.overrides]) args.push('--set', o);
    // Own process group: a terminal Ctrl-C reaches the sweep only, which forwards exactly one SIGINT
    // (a second SIGINT would make the child quit at once instead of at a step boundary).
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr.push(...chunk.split('\n').filter((l) => l.trim()));
      if (stderr.length > STDERR_KEEP) stderr.splice(0, stderr.length - STDERR_KEEP);
    });
    const done = new Promise<LaunchResult>((resolve) => {
      child.on('error', (e) => resolve({ ok: false, error: e.message }));
      child.on('close', (code, signal) => {
        if (code !== 0) {
          resolve({ ok: false, error: stderr.join('\n') || (signal ? `killed by ${signal}` : `exit code ${code}`) });
          return;
        }
        let state: 'finished' | 'stopped' | undefined;
        try {
          const st = JSON.parse(fs.readFileSync(path.join(runsDir, plan.runId, RUN_FILES.status), 'utf8')) as { state?: string };
          if (st.state === 'finished' || st.state === 'stopped') state = st.state;
        } catch {
          // no status: the queue decides from whether a stop was asked
        }
        resolve({ ok: true, state });
      });
    });
    return {
      done,
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      },
    };
  };
}

/** Validate and plan a sweep without running it (also used by tests). */
export function planSweep(configPath: string, grid: string, overrides: string[], sweepId: string): { plans: PlannedRun[]; runsDir: string; axes: ReturnType<typeof parseSweepGrid> } {
  const axes = parseSweepGrid(grid);
  const { config } = loadConfig(configPath, overrides.map(parseOverride));
  let user = readUserConfig(path.resolve(configPath));
  for (const o of overrides) user = mergeConfig(user, parseOverride(o));
  const plans = expandSweep(user, axes, { sweepId, source: configPath });
  return { plans, runsDir: config.output.runsDir, axes };
}

export async function runSweep(options: SweepOptions): Promise<{ record: SweepRecord; exitCode: number }> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const sweepId = options.sweepId ?? defaultSweepId();
  const configPath = path.resolve(options.config);
  const { plans, runsDir, axes } = planSweep(configPath, options.grid, options.overrides, sweepId);
  const file = sweepFile(runsDir, sweepId);
  if (fs.existsSync(file)) throw new ConfigError([{ path: '--sweep-id', message: `a sweep named ${sweepId} exists already (${file}); pick another id` }]);
  const taken = plans.filter((p) => fs.existsSync(path.join(runsDir, p.runId)));
  if (taken.length) throw new ConfigError([{ path: '--sweep-id', message: `run folder(s) ${taken.map((p) => p.runId).join(', ')} exist already in ${runsDir}; pick another sweep id` }]);

  const cliPath = options.cliPath ?? path.resolve(process.argv[1]);
  const launchChild = childLauncher(cliPath, configPath, options.overrides, runsDir);
  const children: LaunchedRun[] = [];
  const queue = new SweepQueue({
    sweep: { id: sweepId, config: configPath, overrides: options.overrides, grid: options.grid, axes, sort: options.sort, runsDir },
    plans,
    parallel: options.parallel,
    launch: (plan) => {
      const child = launchChild(plan);
      children.push(child);
      return child;
    },
  });
  const width = String(plans.length).length;
  queue.onChange(({ entry }) => {
    if (!entry) return;
    const where = `[${String(entry.index + 1).padStart(width)}/${plans.length}] ${entry.runId} ${entry.label}`;
    const error = entry.state === 'failed' && entry.error ? `: ${entry.error.split('\n').slice(-3).join(' | ')}` : '';
    out(`${where}: ${entry.state}${error}`);
  });
  out(`sweep ${sweepId}: ${plans.length} runs (${axes.map((a) => `${a.key} x${a.values.length}`).join(', ')}), ${options.parallel} at a time, runs in ${runsDir}`);

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      out('Ctrl-C: stopping the sweep (queued runs cancelled, running ones stop at the next step boundary; press again to quit the runs at once)');
      queue.stop();
    } else {
      // Second Ctrl-C: a second SIGINT makes each child quit at once.
      for (const e of queue.record.entries) if (e.state === 'running') out(`  forcing ${e.runId} to quit`);
      for (const c of children) c.stop();
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let record: SweepRecord;
  try {
    record = await queue.start();
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const rows = readSweepTable(record, options.sort);
  const csvFile = file.replace(/\.json$/, '.csv');
  writeFileAtomic(csvFile, sweepTableCsv(rows, axes));
  out('');
  out(formatSweepTable(rows, options.sort).trimEnd());
  out(`sweep file: ${file}\ntable: ${csvFile}`);
  const c = queue.counts();
  if (record.state === 'stopped') {
    out(`sweep stopped: ${c.finished} finished, ${c.stopped} stopped, ${c.cancelled} cancelled${c.failed ? `, ${c.failed} failed` : ''}`);
    return { record, exitCode: 130 };
  }
  if (c.failed) {
    out(`sweep done: ${c.failed} of ${plans.length} runs failed (see the lines above)`);
    return { record, exitCode: 1 };
  }
  out(`sweep done: ${c.finished} runs finished`);
  return { record, exitCode: 0 };
}
