/**
 * One training run of the suite through the real Trainer (the same code path as a user's run):
 * evaluations are collected from the listener, with the TRAINING forward passes at each one
 * (t × passes per step; evaluation passes are not counted).
 */
import { resolveConfig, mergeConfig, type EvalRecord, type UserConfig } from '../../runtime/protocol';
import { Trainer } from '../../runtime/run/trainer';
import type { BenchTask } from './tasks';

export interface EvalPoint {
  t: number;
  trainingPasses: number;
  loss: number;
  accuracy?: number;
}

export interface RunResult {
  optimizer: string;
  lr: number;
  seed: number;
  passesPerStep: number;
  evals: EvalPoint[];
  /** Set when the run stopped on a non-finite loss (its final loss counts as +Infinity). */
  diverged?: string;
  /** Wall-clock seconds of the run (load-dependent; absent in results written before the field). */
  wallSeconds?: number;
}

export interface RunOptions {
  /** Stop after this step (the run's first steps, with the full run's config: same schedule, T, blocks). */
  stopAt?: number;
  /** Override the task's evalEvery (0: evaluate at the start and the end only, for checks that need no curve). */
  evalEvery?: number;
}

let runCounter = 0;

export async function runOne(task: BenchTask, label: string, optimizer: Record<string, unknown>, lr: number, seed: number, runsDir: string, options: RunOptions = {}): Promise<RunResult> {
  const user = mergeConfig(task.base as Record<string, unknown>, {
    seed,
    ...(options.evalEvery !== undefined ? { evalEvery: options.evalEvery } : {}),
    optimizer: { ...optimizer, lr },
    // Short runs finish within a second, so time-based run ids would collide: number them.
    output: { runsDir, runId: `${label}-lr${lr.toPrecision(3)}-seed${seed}-${process.pid}-${++runCounter}` },
  }) as UserConfig;
  const { config } = resolveConfig(user);
  const evals: EvalRecord[] = [];
  const stopAt = options.stopAt;
  let stopping = false;
  const trainer: Trainer = await Trainer.create(config, {
    record: (r) => {
      if (r.kind === 'eval') evals.push(r);
      // A stopped run still evaluates at its last step (trainer.ts), so a probe ends with an evaluation.
      if (stopAt !== undefined && !stopping && r.kind === 'step' && r.t >= stopAt) {
        stopping = true;
        trainer.stop();
      }
    },
  });
  const passesPerStep = trainer.manifest.optimizer.forwardPassesPerStep;
  let diverged: string | undefined;
  let wallSeconds: number | undefined;
  try {
    wallSeconds = (await trainer.run()).wallSeconds;
  } catch (e) {
    diverged = (e as Error).message.split('\n')[0];
  } finally {
    await trainer.close();
  }
  return {
    optimizer: label,
    lr,
    seed,
    passesPerStep,
    evals: evals.map((r) => ({ t: r.t, trainingPasses: r.t * passesPerStep, loss: r.loss, ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}) })),
    ...(diverged ? { diverged } : {}),
    ...(wallSeconds !== undefined ? { wallSeconds } : {}),
  };
}
