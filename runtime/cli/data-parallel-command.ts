/**
 * The CLI side of data-parallel runs (docs/data-parallel.md):
 *   train --config <run.json> --data-parallel K [--redis <url>] [--local-ranks L]   rank 0 (+ local followers)
 *   resume <run folder> --data-parallel K                                            the same, from the checkpoint
 *   train --join <redis url>/<run id> --rank r                                       a follower on any machine
 * Ctrl-C on any worker stops every worker after the same step.
 */
import type { DataParallelTraffic, ResolvedConfig, RunSummary } from '../protocol';
import type { TrainerListener } from '../run/trainer';
import { runDataParallel } from '../run/data-parallel/coordinator';
import { runFollower } from '../run/data-parallel/follower';
import { parseJoinUrl } from '../run/data-parallel/run-record';
import { progressListener } from './progress';
import { DataParallelError } from '../run/data-parallel/errors';

export interface DataParallelCliOptions {
  workers: number;
  redisUrl?: string;
  localRanks?: number;
  peerTimeoutS: number;
  joinTimeoutS: number;
  hashEvery: number;
  quiet: boolean;
  resumeDir?: string;
  fromStep?: number;
}

export async function trainDataParallel(config: ResolvedConfig, o: DataParallelCliOptions): Promise<{ summary: RunSummary; runDir: string }> {
  const progress = o.quiet ? null : progressListener(config.steps, `${config.name} (rank 0 of ${o.workers})`);
  const stopOnSignal = onInterrupt((first) => {
    if (first) progress?.log?.('warn', 'Ctrl-C: every worker stops after the current step (press again to quit at once)');
  });
  try {
    return await runDataParallel(config, {
      workers: o.workers,
      redisUrl: o.redisUrl,
      localRanks: o.localRanks,
      peerTimeoutS: o.peerTimeoutS,
      joinTimeoutS: o.joinTimeoutS,
      hashEvery: o.hashEvery,
      resumeDir: o.resumeDir,
      fromStep: o.fromStep,
      listener: progress ?? {},
      log: (line) => process.stderr.write(`${line}\n`),
      onReady: ({ requestStop, runDir }) => {
        stopOnSignal.set(requestStop);
        if (!o.quiet) process.stdout.write(`data-parallel: ${o.workers} workers, run folder ${runDir}\n`);
      },
    });
  } finally {
    progress?.stop();
    stopOnSignal.off();
  }
}

export async function joinDataParallel(url: string, rank: number, o: { joinTimeoutS: number; quiet: boolean }): Promise<RunSummary> {
  const target = parseJoinUrl(url);
  const label = `rank ${rank}`;
  // A follower writes nothing; what it has to say goes to stderr (rank 0 shows the progress).
  const listener: TrainerListener = {
    log: (level, text) => {
      if (level !== 'info' && level !== 'error' && !o.quiet) process.stderr.write(`${label}: ${level}: ${text}\n`);
    },
  };
  const stopOnSignal = onInterrupt(() => {});
  try {
    const summary = await runFollower(target, { rank, listener, joinTimeoutS: o.joinTimeoutS, onReady: ({ requestStop }) => stopOnSignal.set(requestStop) });
    if (!o.quiet) process.stderr.write(`${label}: ${summary.state} after step ${summary.steps} (run ${target.runId})\n`);
    return summary;
  } finally {
    stopOnSignal.off();
  }
}

/** The traffic lines of the run summary. */
export function trafficText(t: DataParallelTraffic): string {
  const kb = (b: number) => (b >= 10_000 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`);
  const ranks = t.perRank.map((r) => `rank ${r.rank} sent ${kb(r.sentPerStep)} / received ${kb(r.receivedPerStep)}`).join(', ');
  return `data-parallel traffic: ${kb(t.totalPerStep)} per step on the wire, all ${t.workers} workers together (the loss values alone: ${kb(t.lossBytesPerStep)}); ${ranks} per step, over ${t.steps} steps\n`;
}

/** SIGINT/SIGTERM: the first asks for a stop (once the run is set up), the second exits at once. */
function onInterrupt(say: (first: boolean) => void): { set(stop: () => void): void; off(): void } {
  let stop: (() => void) | null = null;
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) process.exit(130);
    say(true);
    stop?.();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    set(s) {
      stop = s;
      if (count > 0) s();
    },
    off() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The data-parallel flags as numbers, each checked with a message naming the flag. */
export function dataParallelFlags(args: {
  dataParallel?: string;
  redis?: string;
  localRanks?: string;
  peerTimeout?: string;
  joinTimeout?: string;
  hashEvery?: string;
}): Omit<DataParallelCliOptions, 'quiet' | 'resumeDir' | 'fromStep'> {
  const whole = (flag: string, text: string | undefined, fallback: number | undefined, min: number): number | undefined => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new DataParallelError(`--${flag} ${text}: expected a whole number >= ${min}`);
    return n;
  };
  const seconds = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new DataParallelError(`--${flag} ${text}: expected a number of seconds > 0`);
    return n;
  };
  return {
    workers: whole('data-parallel', args.dataParallel, 1, 1)!,
    redisUrl: args.redis,
    localRanks: whole('local-ranks', args.localRanks, undefined, 1),
    peerTimeoutS: seconds('peer-timeout', args.peerTimeout, 30),
    joinTimeoutS: seconds('join-timeout', args.joinTimeout, 600),
    hashEvery: whole('hash-every', args.hashEvery, 100, 1)!,
  };
}
