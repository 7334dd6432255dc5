/**
 * `train --join redis://host:port[/db]/<run id> --rank r`: a follower. It reads the run record
 * (config, worker count, where a resume starts), builds the same trainer in follower mode (it
 * writes nothing, its log goes to stderr) and computes every step with the others.
 */
import type { RunSummary } from '../../protocol';
import { Trainer, type TrainerListener } from '../trainer';
import { DataParallelError } from './errors';
import { publishAbort, readRun, type JoinTarget } from './run-record';
import { RankSession } from './rank-session';

export interface FollowerOptions {
  rank: number;
  listener: TrainerListener;
  /** Seconds to wait for every rank's first message. */
  joinTimeoutS: number;
  onReady?: (control: { requestStop(): void }) => void;
}

export async function runFollower(target: JoinTarget, options: FollowerOptions): Promise<RunSummary> {
  const session = await RankSession.connect(target.redisUrl, '--join');
  let trainer: Trainer | null = null;
  try {
    const record = await readRun(session.cmd, target, session.display);
    const r = options.rank;
    if (!Number.isInteger(r) || r < 0) throw new DataParallelError(`--rank ${r}: expected a whole number 1..${record.workers - 1}`);
    if (r === 0) throw new DataParallelError(`--rank 0 is the process that started run "${target.runId}" (train --data-parallel); join as rank 1..${record.workers - 1}`);
    if (r >= record.workers) throw new DataParallelError(`--rank ${r}: run "${target.runId}" has ${record.workers} workers, so the ranks that join are 1..${record.workers - 1}`);
    // Claim the rank before the model is loaded: a taken rank is refused at once.
    await session.open(target.runId, r, record.workers, { peerTimeoutS: record.peerTimeoutS, joinTimeoutS: options.joinTimeoutS, hashEvery: record.hashEvery });
    const resuming = record.fromStep !== null;
    try {
      trainer = await Trainer.create(record.config, options.listener, {
        followerOf: record.runDir,
        resumeDir: resuming ? record.runDir : undefined,
        fromStep: record.fromStep ?? undefined,
        lossReducer: session.lossReducer(record.config.data.batchSize, record.hashEvery, () => trainer),
      });
    } catch (e) {
      // This machine cannot build the run (model or data missing here?): the others stop at once
      // instead of waiting for this rank until the join timeout.
      const message = e instanceof Error ? e.message : String(e);
      await publishAbort(session.cmd, target.runId, `rank ${r} could not start: ${message}`).catch(() => {});
      throw e;
    }
    options.onReady?.({ requestStop: () => session.requestStop() });
    return await session.run(trainer, r);
  } finally {
    await session.close();
    await trainer?.close();
  }
}
