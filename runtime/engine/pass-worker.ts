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
import type { FetchedOutput, PassWorkerReply, PassWorkerRequest } from './pass-worker-messages';

const port = parentPort;
if (!port) throw new Error('pass-worker must be started as a worker thread (the training engine does this)');

let session: ort.InferenceSession | null = null;
let layout: { inputs: string[]; offsets: number[]; shapes: number[][]; lossOutput: string } | null = null;
const data: Record<string, ort.Tensor> = {};

const reply = (message: PassWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function handle(request: PassWorkerRequest): Promise<void> {
  if (request.kind === 'init') {
    const bytes = typeof request.model === 'string' ? new Uint8Array(fs.readFileSync(request.model)) : request.model;
    const fed = fedWeightsGraph(decodeModel(bytes, 'training graph'), request.trainables, request.scaleInput);
    const choice = await createSession({ model: encodeModel(fed.model), externalDataDir: request.externalDataDir, requested: 'cpu', threads: request.threads });
    session = choice.session;
    layout = { inputs: fed.weightInputs, offsets: request.offsets, shapes: request.shapes, lossOutput: request.lossOutput };
    reply({ kind: 'ready' });
    return;
  }
  if (request.kind === 'data') {
    for (const name of Object.keys(data)) delete data[name];
    for (const f of request.feeds) data[f.name] = new ort.Tensor(f.type, f.data as Float32Array, f.dims);
    return;
  }
  if (!session || !layout) throw new Error('pass-worker: run before init');
  const feeds: Record<string, ort.Tensor> = { ...data };
  layout.inputs.forEach((name, i) => {
    const shape = layout!.shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', new Float32Array(request.weights, layout!.offsets[i]! * 4, size), shape);
  });
  const extra = request.outputs ?? [];
  const out = await session.run(feeds, [layout.lossOutput, ...extra]);
  // Copies: the output tensors' memory belongs to this run.
  const losses = Float32Array.from(out[layout.lossOutput]!.data as Float32Array);
  const outputs: FetchedOutput[] = extra.map((name) => {
    const t = out[name]!;
    return { name, type: t.type as FetchedOutput['type'], data: (t.data as Float32Array).slice(), dims: [...t.dims] };
  });
  reply({ kind: 'losses', losses, weights: request.weights, outputs }, [request.weights]);
}

// One request at a time, in order: a 'data' message must land before the 'run' that follows it.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: PassWorkerRequest) => {
  queue = queue.then(() =>
    handle(request).catch((e) => {
      if (request.kind === 'run') reply({ kind: 'error', message: conciseOrtError(e) }, [request.weights]);
      else reply({ kind: 'error', message: conciseOrtError(e) });
    }),
  );
});
