/**
 * Worker-thread side of the concurrent passes (concurrent-passes.ts): holds an onnxruntime session
 * of the fed-weights graph (onnx/fed-weights-graph.ts) and runs one pass per 'run' message on the
 * weights the main thread perturbed and transferred, then transfers them back with the losses.
 * Bundled as dist/pass-worker.js next to dist/cli.js; under tsx it runs from this .ts source
 * (rng/worker-entry.ts).
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../onnx/model-io';
import { fedWeightsGraph } from '../onnx/fed-weights-graph';
import { conciseOrtError, createSession } from './provider';
import { copyTensor, toTensor, type PassWorkerReply, type PassWorkerRequest } from './pass-worker-messages';

const port = parentPort;
if (!port) throw new Error('pass-worker must be started as a worker thread (the training engine does this)');

let session: ort.InferenceSession | null = null;
/** The shared weights the main thread writes, the copy the session reads, and the feeds over that copy. */
let weights: { shared: Float32Array; own: Float32Array; feeds: Record<string, ort.Tensor>; lossOutput: string } | null = null;
const data: Record<string, ort.Tensor> = {};

const reply = (message: PassWorkerReply) => port.postMessage(message);

async function handle(request: PassWorkerRequest): Promise<void> {
  if (request.kind === 'init') {
    const bytes = typeof request.model === 'string' ? new Uint8Array(fs.readFileSync(request.model)) : request.model;
    const fed = fedWeightsGraph(decodeModel(bytes, 'training graph'), request.trainables, request.scaleInput);
    const choice = await createSession({ model: encodeModel(fed.model), externalDataDir: request.externalDataDir, requested: 'cpu', threads: request.threads });
    session = choice.session;
    const own = new Float32Array(request.weights.length);
    const feeds: Record<string, ort.Tensor> = {};
    fed.weightInputs.forEach((name, i) => {
      const shape = request.shapes[i]!;
      const size = shape.reduce((a, b) => a * b, 1);
      feeds[name] = new ort.Tensor('float32', own.subarray(request.offsets[i]!, request.offsets[i]! + size), shape);
    });
    weights = { shared: request.weights, own, feeds, lossOutput: request.lossOutput };
    reply({ kind: 'ready' });
    return;
  }
  if (request.kind === 'data') {
    for (const name of Object.keys(data)) delete data[name];
    for (const f of request.feeds) data[f.name] = toTensor(f);
    return;
  }
  if (!session || !weights) throw new Error('pass-worker: run before init');
  // A memcpy on this thread, while the main thread already runs its own pass.
  weights.own.set(weights.shared);
  const extra = request.outputs ?? [];
  const out = await session.run({ ...data, ...weights.feeds }, [weights.lossOutput, ...extra]);
  // Copies: the output tensors' memory belongs to this run.
  const losses = Float32Array.from(out[weights.lossOutput]!.data as Float32Array);
  const outputs = extra.map((name) => copyTensor(name, out[name]!));
  reply({ kind: 'losses', losses, outputs });
}

// One request at a time, in order: a 'data' message must land before the 'run' that follows it.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: PassWorkerRequest) => {
  queue = queue.then(() =>
    handle(request).catch((e) => {
      reply({ kind: 'error', message: conciseOrtError(e) });
    }),
  );
});
