/**
 * `helene-studio train`: run one config headless (progress bar) or under the extension (--ipc).
 * Ctrl-C stops at the next step boundary and leaves a valid run folder; a second Ctrl-C exits at once.
 */
import type { HyperparameterPatch, ResolvedConfig, RunSummary } from '../protocol';
import { Trainer, type TrainerListener } from '../run/trainer';
import { progressListener } from './progress';
import { formatProfile } from '../run/step-profiler';
import { acceptControl, ipcListener, send, sendLastAndDisconnect } from './ipc';

export interface TrainOptions {
  ipc: boolean;
  quiet: boolean;
  label?: string;
  /** Continue this run folder from its newest checkpoint instead of starting a new run. */
  resumeDir?: string;
  /** resume: the kept checkpoint's step (default: the newest good one), and hyperparameters to change. */
  fromStep?: number;
  overrides?: HyperparameterPatch;
  /** Profile every step: profile.json in the run folder, and the table printed at the end (not with --ipc or --quiet). */
  profile?: boolean;
}

export async function runTraining(config: ResolvedConfig, options: TrainOptions): Promise<{ summary: RunSummary; runDir: string }> {
  const label = options.label ?? config.name;
  const ipc = options.ipc ? ipcListener() : null;
  const progress = !options.ipc && !options.quiet ? progressListener(config.steps, label) : null;
  const listener: TrainerListener = ipc ?? progress ?? {};
  const trainer = await Trainer.create(config, listener, { resumeDir: options.resumeDir, fromStep: options.fromStep, overrides: options.overrides, profile: options.profile });
  const changed = trainer.resumeOverrideValues;
  if (changed && !options.ipc) {
    // The values the resumed run really uses (read back from the live optimizer config).
    const text = Object.keys(changed.after).map((k) => `optimizer.${k} = ${changed.after[k]} (checkpoint had ${changed.before[k]})`).join(', ');
    process.stderr.write(`resume: ${text}
`);
  }
  if (ipc) {
    send({ type: 'hello', runId: trainer.manifest.id, runDir: trainer.runDir, pid: process.pid });
    send({ type: 'manifest', manifest: trainer.manifest });
    acceptControl(trainer);
  } else if (!options.quiet) {
    process.stdout.write(`${label}: run folder ${trainer.runDir}\n`);
    for (const c of trainer.manifest.optimizer.automatic ?? []) process.stdout.write(`${label}: automatic: ${c.key} ${c.requested ?? 'null'} -> ${c.chosen} (${c.reason})\n`);
    const passes = trainer.manifest.engine.concurrentPasses;
    // auto's first word: whether it can apply; the timing that decides comes as an event after the first
    // pairs, so "on" says it is provisional (a later "off: measured …" is that decision, not a contradiction).
    if (passes?.requested === 'auto') {
      const state = passes.used ? 'on for the first pairs, which alternate with the passes in a row; the faster is kept' : 'off';
      process.stdout.write(`${label}: automatic: engine.concurrentPasses auto -> ${state} (${passes.reason})\n`);
    }
  }
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    progress?.log?.('warn', 'Ctrl-C: stopping at the next step boundary (press again to quit at once)');
    trainer.stop();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const summary = await trainer.run();
    ipc?.flush();
    if (trainer.profile && !options.ipc && !options.quiet) {
      progress?.stop();
      process.stdout.write(formatProfile(trainer.profile));
    }
    if (ipc) {
      // An open IPC channel keeps the process alive: let go of it once 'done' (and so everything
      // before it) is written. Not awaited: the folder lock is released below meanwhile.
      void sendLastAndDisconnect({ type: 'done', summary });
    }
    return { summary, runDir: trainer.runDir };
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await trainer.close();
  }
}
