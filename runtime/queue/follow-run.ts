/**
 * `helene-studio follow --queue redis://… <run-id>`: print a remote run's progress from its Redis
 * stream (no run folder needed), from the start of what the stream holds until the run ends.
 * Exit code 0 when it finished, 1 when it failed, 130 when it stopped or was cancelled.
 */
import { Queue } from 'bullmq';
import type { RunStreamMessage } from '../protocol';
import { QUEUE_NAME, QUEUE_PREFIX, queueKeys } from './queue-keys';
import { checkQueueSchema, QueueError } from './queue-meta';
import { connectRedis, parseRedisUrl } from './redis-connection';
import { readRunMessages } from './run-stream';

const PRINT_EVERY_MS = 1000;

export async function followRun(queueUrl: string, runId: string, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const url = parseRedisUrl(queueUrl);
  const client = await connectRedis(queueUrl, { purpose: `following run ${runId}` });
  const queue = new Queue(QUEUE_NAME, { connection: client, prefix: QUEUE_PREFIX });
  try {
    await checkQueueSchema(client, url.display);
    const job = await queue.getJob(runId);
    if (!job && !(await client.exists(queueKeys.runStream(runId)))) {
      throw new QueueError(`follow: no run ${runId} on the queue at ${url.display} (no job and no stream of that id)`);
    }
    let lastId = '0';
    let lastPrint = 0;
    let loss: number | null = null;
    let manifestSeen = false;
    for (;;) {
      const batch = await readRunMessages(client, runId, lastId, 1000);
      lastId = batch.lastId;
      for (const m of batch.messages) {
        // The train child sends its manifest twice (listener and hello); a resume sends it again.
        if (m.type === 'manifest') {
          if (manifestSeen) continue;
          manifestSeen = true;
        }
        const code = describe(m, out, (now) => {
          if (now - lastPrint < PRINT_EVERY_MS) return false;
          lastPrint = now;
          return true;
        }, (v) => (loss = v), () => loss);
        if (code !== null) return code;
      }
      // A job that ended without a closing note (a worker gone before it wrote one): ask BullMQ.
      if (batch.messages.length === 0 && job) {
        const state = await job.getState();
        if (state === 'failed') {
          const failed = await queue.getJob(runId);
          out(`${runId}: failed: ${failed?.failedReason ?? ''}`);
          return 1;
        }
        if (state === 'unknown') return 130;
      }
    }
  } finally {
    await queue.close().catch(() => undefined);
    await client.quit().catch(() => undefined);
  }
}

/** Print one stream message; returns an exit code when the run has ended, else null. */
function describe(m: RunStreamMessage, out: (line: string) => void, due: (now: number) => boolean, setLoss: (v: number) => void, loss: () => number | null): number | null {
  switch (m.type) {
    case 'manifest':
      out(`${m.manifest.id}: ${m.manifest.config.optimizer.name}, ${m.manifest.config.steps} steps, ${m.manifest.engine?.provider ?? 'cpu'}`);
      return null;
    case 'worker':
      if (m.event === 'started') out(`on worker ${m.worker}`);
      else if (m.event === 'resumed') out(`resumed on worker ${m.worker} from the checkpoint at step ${m.step}`);
      else if (m.state === 'failed') {
        out(`failed on ${m.worker}: ${m.error ?? ''}`);
        // A killed child is retried by BullMQ; a bad-input failure is final. Keep following a retry.
        return /killed by/.test(m.error ?? '') ? null : 1;
      } else if (m.state === 'cancelled') {
        out('cancelled (the sweep was stopped)');
        return 130;
      }
      return null;
    case 'metrics':
      for (const r of m.records) if (r.kind === 'step' && typeof r.loss === 'number') setLoss(r.loss);
      return null;
    case 'status':
      if (m.status.state === 'running' && !due(Date.now())) return null;
      out(`step ${m.status.step}/${m.status.totalSteps} ${m.status.state}${loss() !== null ? `, train loss ${loss()!.toFixed(4)}` : ''}`);
      return null;
    case 'done': {
      const s = m.summary;
      out(`${s.state}: ${s.steps} steps${s.finalLoss !== null ? `, final train loss ${s.finalLoss.toFixed(4)}` : ''}${s.finalEval ? `, eval loss ${s.finalEval.loss.toFixed(4)}` : ''}`);
      return s.state === 'finished' ? 0 : s.state === 'failed' ? 1 : 130;
    }
    case 'fatal':
      out(`error: ${m.message.split('\n')[0]}`);
      return null;
    default:
      return null;
  }
}
