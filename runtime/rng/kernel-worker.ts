/**
 * Worker-thread entry of KernelPool: runs each JobRequest it receives and replies with its id.
 * Bundled as dist/kernel-worker.js next to dist/cli.js; under tsx the pool loads this .ts source
 * directly (see worker-entry.ts).
 */
import { parentPort } from 'node:worker_threads';
import { runKernelJob, type JobReply, type JobRequest } from './kernel-jobs';

const port = parentPort;
if (!port) throw new Error('kernel-worker must be started as a worker thread (KernelPool does this)');

port.on('message', (request: JobRequest) => {
  let reply: JobReply;
  try {
    runKernelJob(request.job);
    reply = { id: request.id };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});
