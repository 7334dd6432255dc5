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
import { runSweep } from './cli/sweep-command';
import { parseSweepSort } from './runs/sweep-table';
import { runDemo } from './demo/demo';
import { findLearningRate } from './run/lr-finder';
import { ScaffoldError, scaffoldDemoWorkspace } from './demo/scaffold';
import { resumeKeeps } from './run/resume-prefix';
import { runTextDemo } from './demo/text-demo';
import { exportRun } from './onnx/export-run';
import { formatDoctor, runDoctor } from './doctor/doctor';
import { DataError } from './data/jsonl';
import { ProviderError } from './engine/provider';
import { RunFolderError } from './run/run-folder';
import { DiskFaultError } from './run/disk-fault';
import { ModelFileError } from './onnx/model-io';
import { passesText } from './cli/summary-text';
import { parseFromStep, parseResumeOverrides, ResumeOverrideError } from './cli/resume-overrides';

const USER_ERRORS = [CliUsageError, ScaffoldError, ModelFileError, ConfigError, DataError, ProviderError, RunFolderError, CheckpointError, DiskFaultError, ResumeOverrideError];

function printSummary(summary: RunSummary, runDir: string): void {
  const ev = summary.finalEval;
  process.stdout.write(
    `${summary.state}: ${summary.steps} steps, ${passesText(summary)}, ${summary.stepsPerSecond.toFixed(1)} steps/s` +
      `${summary.finalLoss !== null ? `, final train loss ${summary.finalLoss.toFixed(4)}` : ''}` +
      `${ev ? `, eval loss ${ev.loss.toFixed(4)}${ev.accuracy !== undefined ? `, accuracy ${(100 * ev.accuracy).toFixed(1)}%` : ''}` : ''}\n` +
      `run folder: ${runDir}\n`,
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
      if (!args.config) throw new ConfigError([{ path: '--config', message: 'train needs --config <run.json>' }]);
      const { config, warnings } = loadConfig(args.config, args.overrides.map(parseOverride));
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
      const { exitCode } = await runSweep({ config: args.config, grid: args.grid, overrides: args.overrides, parallel, sort, sweepId: args.sweepId });
      return exitCode;
    }
    case 'resume': {
      const dir = args.positionals[1];
      if (!dir) throw new ConfigError([{ path: 'resume', message: 'usage: helene-studio resume <run folder>' }]);
      const snapshot = readRunHeaderSync(path.resolve(dir));
      if (!snapshot.manifest) throw new CheckpointError(`${dir} is not a run folder (no run.json)`);
      const overrides = parseResumeOverrides(args.overrides);
      const fromStep = parseFromStep(args.fromStep);
      const { summary, runDir } = await runTraining(snapshot.manifest.config, { ipc: args.ipc, quiet: args.quiet, resumeDir: path.resolve(dir), fromStep, overrides, profile: args.profile });
      if (!args.ipc && !args.quiet) printSummary(summary, runDir);
      return 0;
    }
    case 'lr-find': {
      if (!args.config) throw new ConfigError([{ path: '--config', message: 'lr-find needs --config <run.json>' }]);
      if (args.budget !== undefined && !(Number.isInteger(args.budget) && args.budget >= 20)) throw new ConfigError([{ path: '--budget', message: `expected a whole number of forward passes >= 20, got ${args.budget}` }]);
      const { config } = loadConfig(args.config, args.overrides.map(parseOverride));
      const say = (s: string) => (args.json ? process.stderr : process.stdout).write(s + '\n');
      say(`lr-find: ${config.optimizer.name}, probes of this run's first steps on an lr grid (same start, batches and step seeds), budget ${args.budget ?? 600} forward passes`);
      const result = await findLearningRate(config, {
        budgetPasses: args.budget,
        onProbe: (p) => say(`  lr ${p.lr.toPrecision(3).padEnd(9)} ${p.diverged ? 'diverged' : 'stable  '}  ${p.reason}`),
      });
      if (args.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else say(result.message);
      return result.suggested !== null ? 0 : 1;
    }
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
      process.stderr.write(`unknown command "${args.command}"\n\n${HELP}`);
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
    if (process.send && process.connected) {
      process.send({ type: 'fatal', message: e instanceof Error ? e.message : String(e) }, () => process.connected && process.disconnect());
    }
    process.exitCode = 1;
  },
);
