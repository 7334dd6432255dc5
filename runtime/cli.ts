/**
 * helene-studio: the headless command line over the same trainer the extension drives.
 * Errors are printed as one clear message (what and where) with exit code 1; never a stack trace
 * for bad input, always one for a bug.
 */
import * as path from 'node:path';
import { ConfigError, type RunSummary } from './protocol';
import { readRunHeaderSync, readRunHistorySync } from './run/run-reader';
import { CheckpointError } from './run/checkpoint';
import { CliUsageError, HELP, parseCli, wantsDebug } from './cli/args';
import { formatCliError } from './cli/errors';
import { loadConfig, parseOverride } from './cli/config-file';
import { runTraining } from './cli/train-command';
import { sendLastAndDisconnect } from './cli/ipc';
import { runSweep } from './cli/sweep-command';
import { runCompare } from './cli/compare-command';
import { runQueueSweep } from './queue/queue-sweep';
import { runWorker } from './queue/queue-worker';
import { followRun } from './queue/follow-run';
import { RedisConnectionError } from './queue/redis-connection';
import { parseSweepSort } from './runs/sweep-table';
import { runDemo } from './demo/demo';
import { findLearningRate } from './run/lr-finder';
import { probeLabel } from './run/lr-probe-label';
import { ScaffoldError, scaffoldDemoWorkspace } from './demo/scaffold';
import { resumeKeeps } from './run/resume-prefix';
import { runTextDemo } from './demo/text-demo';
import { exportRun } from './onnx/export-run';
import { formatDoctor, runDoctor } from './doctor/doctor';
import { formatInspection, inspectModel } from './onnx/model-inspect';
import { DataError } from './data/jsonl';
import { ProviderError } from './engine/provider';
import { RunFolderError } from './run/run-folder';
import { DiskFaultError } from './run/disk-fault';
import { ModelFileError } from './onnx/model-io';
import { passesText } from './cli/summary-text';
import { parseFromStep, parseResumeOverrides, ResumeOverrideError } from './cli/resume-overrides';
import { dataParallelFlags, joinDataParallel, trafficText, trainDataParallel } from './cli/data-parallel-command';
import { DataParallelError } from './run/data-parallel/errors';
import { PeerAbortError, PeerLostError } from './run/data-parallel/step-exchange';

const USER_ERRORS = [CliUsageError, ScaffoldError, ModelFileError, ConfigError, DataError, ProviderError, RunFolderError, CheckpointError, DiskFaultError, ResumeOverrideError, DataParallelError, RedisConnectionError];

function printSummary(summary: RunSummary, runDir: string): void {
  const ev = summary.finalEval;
  process.stdout.write(
    `${summary.state}: ${summary.steps} steps, ${passesText(summary)}, ${summary.stepsPerSecond.toFixed(1)} steps/s` +
      `${summary.finalLoss !== null ? `, final train loss ${summary.finalLoss.toFixed(4)}` : ''}` +
      `${ev ? `, eval loss ${ev.loss.toFixed(4)}${ev.accuracy !== undefined ? `, accuracy ${(100 * ev.accuracy).toFixed(1)}%` : ''}` : ''}\n` +
      `run folder: ${runDir}\n` +
      (summary.dataParallel ? trafficText(summary.dataParallel) : ''),
  );
}

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.help || args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  switch (args.command) {
    case 'train': {
      if (args.join !== undefined) {
        if (args.config || args.dataParallel !== undefined) throw new CliUsageError('--join takes the config from the run it joins: drop --config and --data-parallel');
        if (args.rank === undefined) throw new CliUsageError('--join needs --rank <r>: which worker this is (1..K-1)');
        const rank = Number(args.rank);
        if (!Number.isInteger(rank)) throw new DataParallelError(`--rank ${args.rank}: expected a whole number`);
        try {
          const summary = await joinDataParallel(args.join, rank, { joinTimeoutS: dataParallelFlags(args).joinTimeoutS, quiet: args.quiet });
          return summary.state === 'finished' || summary.state === 'stopped' ? 0 : 1;
        } catch (e) {
          // A quiet (local) follower leaves a lost peer or another worker's failure to rank 0 to report.
          if (args.quiet && (e instanceof PeerLostError || e instanceof PeerAbortError)) return 1;
          throw e;
        }
      }
      if (args.rank !== undefined) throw new CliUsageError('--rank goes with --join <url>/<run id>');
      if (args.dataParallel !== undefined) {
        if (args.ipc) throw new CliUsageError('--data-parallel runs from the command line; the extension does not start them (drop --ipc)');
        if (!args.config) throw new ConfigError([{ path: '--config', message: 'train needs --config <run.json>' }]);
        const { config, warnings } = loadConfig(args.config, args.overrides.map(parseOverride), args.overrideOrigins);
        for (const w of warnings) process.stderr.write(`warning: ${w.path} ${w.message}\n`);
        const { summary, runDir } = await trainDataParallel(config, { ...dataParallelFlags(args), quiet: args.quiet });
        if (!args.quiet) printSummary(summary, runDir);
        return 0;
      }
      if (!args.config) throw new ConfigError([{ path: '--config', message: 'train needs --config <run.json>' }]);
      const { config, warnings } = loadConfig(args.config, args.overrides.map(parseOverride), args.overrideOrigins);
      for (const w of warnings) process.stderr.write(`warning: ${w.path} ${w.message}\n`);
      const { summary, runDir } = await runTraining(config, { ipc: args.ipc, quiet: args.quiet, profile: args.profile });
      if (!args.ipc && !args.quiet) printSummary(summary, runDir);
      return 0;
    }
    case 'sweep': {
      if (!args.config) throw new ConfigError([{ path: '--config', message: 'sweep needs --config <run.json>' }]);
      if (!args.grid) throw new ConfigError([{ path: '--grid', message: 'sweep needs --grid, e.g. --grid "optimizer.lr=1e-3,3e-3; seed=1,2"' }]);
      const parallel = args.parallel ?? 1;
      if (!(Number.isInteger(parallel) && parallel >= 1)) throw new ConfigError([{ path: '--parallel', message: `expected a whole number >= 1, got ${args.parallel}` }]);
      let sort;
      try {
        sort = parseSweepSort(args.sort);
      } catch (e) {
        throw new ConfigError([{ path: '--sort', message: (e as Error).message }]);
      }
      const sweep = { config: args.config, grid: args.grid, overrides: args.overrides, parallel, sort, sweepId: args.sweepId };
      const { exitCode } = args.queue !== undefined ? await runQueueSweep({ ...sweep, queue: args.queue }) : await runSweep(sweep);
      return exitCode;
    }
    case 'worker': {
      if (!args.queue) throw new ConfigError([{ path: '--queue', message: 'worker needs --queue redis://host:port' }]);
      if (!args.runsDir) throw new ConfigError([{ path: '--runs-dir', message: 'worker needs --runs-dir <folder> (shared by every worker)' }]);
      const concurrency = args.concurrency === undefined ? 1 : Number(args.concurrency);
      if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new ConfigError([{ path: '--concurrency', message: `expected a whole number >= 1, got ${args.concurrency}` }]);
      const code = await runWorker({ queue: args.queue, runsDir: args.runsDir, concurrency, workerId: args.workerId, cliPath: path.resolve(process.argv[1]) });
      // BullMQ's connections keep the event loop alive after close on a forced quit: leave now.
      process.exit(code);
    }
    case 'follow': {
      if (!args.queue) throw new ConfigError([{ path: '--queue', message: 'follow needs --queue redis://host:port' }]);
      const runId = args.positionals[1];
      if (!runId) throw new ConfigError([{ path: 'follow', message: 'usage: helene-studio follow --queue redis://host:port <run id>' }]);
      return await followRun(args.queue, runId);
    }
    case 'resume': {
      const dir = args.positionals[1];
      if (!dir) throw new ConfigError([{ path: 'resume', message: 'usage: helene-studio resume <run folder>' }]);
      const snapshot = readRunHeaderSync(path.resolve(dir));
      if (!snapshot.manifest) throw new CheckpointError(`${dir} is not a run folder (no run.json)`);
      const overrides = parseResumeOverrides(args.overrides);
      const fromStep = parseFromStep(args.fromStep);
      // Nothing left to train: say so before loading the model (a 1 B model takes tens of seconds).
      // --from-step rewinds a finished run, and the extension (--ipc) reads the run's own messages.
      if (snapshot.status?.state === 'finished' && fromStep === undefined && !args.ipc && args.dataParallel === undefined) {
        process.stdout.write(`${dir} already finished at step ${snapshot.status.step} of ${snapshot.status.totalSteps}: nothing to resume (--from-step <n> trains again from a kept checkpoint)\n`);
        return 0;
      }
      if (args.dataParallel !== undefined) {
        if (Object.keys(overrides).length) throw new CliUsageError('resume --data-parallel does not change hyperparameters (--lr, --set): resume once without --data-parallel for that');
        if (args.ipc) throw new CliUsageError('--data-parallel runs from the command line; the extension does not start them (drop --ipc)');
        const { summary, runDir } = await trainDataParallel(snapshot.manifest.config, { ...dataParallelFlags(args), quiet: args.quiet, resumeDir: path.resolve(dir), fromStep });
        if (!args.quiet) printSummary(summary, runDir);
        return 0;
      }
      const { summary, runDir } = await runTraining(snapshot.manifest.config, { ipc: args.ipc, quiet: args.quiet, resumeDir: path.resolve(dir), fromStep, overrides, profile: args.profile });
      if (!args.ipc && !args.quiet) printSummary(summary, runDir);
      return 0;
    }
    case 'lr-find': {
      if (!args.config) throw new ConfigError([{ path: '--config', message: 'lr-find needs --config <run.json>' }]);
      if (args.budget !== undefined && !(Number.isInteger(args.budget) && args.budget >= 20)) throw new ConfigError([{ path: '--budget', message: `expected a whole number of forward passes >= 20, got ${args.budget}` }]);
      const { config } = loadConfig(args.config, args.overrides.map(parseOverride), args.overrideOrigins);
      const say = (s: string) => (args.json ? process.stderr : process.stdout).write(s + '\n');
      say(`lr-find: ${config.optimizer.name}, probes of this run's first steps on an lr grid (same start, batches and step seeds), budget ${args.budget ?? 600} forward passes`);
      const result = await findLearningRate(config, {
        budgetPasses: args.budget,
        onProbe: (p) => say(`  lr ${p.lr.toPrecision(3).padEnd(9)} ${probeLabel(p).padEnd(8)}  ${p.reason}`),
      });
      if (args.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else say(result.message);
      return result.suggested !== null ? 0 : 1;
    }
    case 'inspect': {
      const file = args.positionals[1];
      if (!file) throw new CliUsageError('usage: helene-studio inspect <model.onnx> [--json]');
      const inspection = inspectModel(file);
      process.stdout.write(args.json ? JSON.stringify(inspection, null, 2) + '\n' : formatInspection(inspection));
      return 0;
    }
    case 'compare':
      return runCompare({ runDirs: args.positionals.slice(1), baseline: args.baseline, target: args.target, csv: args.csv }, (t) => process.stdout.write(t));
    case 'doctor': {
      const report = await runDoctor();
      process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctor(report));
      return report.cpuWorks ? 0 : 1;
    }
    case 'scaffold': {
      const dir = args.positionals[1];
      if (!dir) throw new CliUsageError('usage: helene-studio scaffold <empty folder>');
      const files = scaffoldDemoWorkspace(dir);
      process.stdout.write(`demo workspace written to ${files.dir}\nnext: helene-studio train --config ${path.join(files.dir, 'helene.helene.json')}\n`);
      return 0;
    }
    case 'demo':
      await runDemo({ dir: args.dir, steps: args.steps });
      return 0;
    case 'demo-text':
      await runTextDemo({ dir: args.dir, steps: args.steps });
      return 0;
    case 'export': {
      const dir = args.positionals[1];
      if (!dir) throw new ConfigError([{ path: 'export', message: 'usage: helene-studio export <run folder> [--out model.onnx]' }]);
      const done = exportRun(dir, args.out);
      process.stdout.write(
        `exported step ${done.step}: ${done.file}
` +
          `  ${done.written.length} initializer(s) written back${done.merged.length ? `, LoRA merged into ${done.merged.length} weight(s)` : ''}` +
          `${done.copied.length ? `; copied ${done.copied.join(', ')}` : ''}
`,
      );
      return 0;
    }
    case 'history': {
      // The run panel's snapshot with a decimated history, read here so the extension host never
      // parses a long metrics.jsonl on its own thread (extension/panel/history-process.ts).
      const dir = args.positionals[1];
      if (!dir) throw new ConfigError([{ path: 'history', message: 'usage: helene-studio history <run folder>' }]);
      // --from-step S: only what a resume from the checkpoint at S keeps (a live resumed run's past).
      const fromStep = parseFromStep(args.fromStep);
      let snapshot;
      try {
        snapshot = readRunHistorySync(path.resolve(dir), fromStep === undefined ? undefined : { keep: resumeKeeps(fromStep) });
      } catch (e) {
        // An unreadable file in the folder (its path is in the message) is the user's to fix, not a bug.
        process.stderr.write(`error: ${(e as Error).message}\n`);
        return 1;
      }
      // The history facts first, over IPC when the extension forked us: it passes the snapshot's
      // text to the webview without parsing it, and needs only these for its notice.
      if (process.send) await new Promise<void>((resolve) => process.send!({ type: 'history', history: snapshot.history ?? null, records: snapshot.records.length }, () => resolve()));
      process.stdout.write(JSON.stringify(snapshot));
      return 0;
    }
    default:
      // One line: the whole help text buries the mistake.
      process.stderr.write(`error: unknown command "${args.command}"; see helene-studio --help\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const known = USER_ERRORS.some((E) => e instanceof E) || (e instanceof Error && /^(step \d+:|.*\.onnx)/.test(e.message));
    process.stderr.write(formatCliError(e, known, wantsDebug(process.argv.slice(2))) + '\n');
    // Written before the channel is let go, as the run's 'done' is (runtime/cli/ipc.ts).
    void sendLastAndDisconnect({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
    process.exitCode = 1;
  },
);
