/**
 * A model typed as `model.half()` exports it (kv-llama-pure16: float16 weights, logits and cache
 * inputs; scripts/fixtures/make_pure_half.py) trains and exports through the CLI (issue 18, item 3):
 * the logits are cast to float32 for the loss and the float16 cache inputs are fed empty in float16.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { int64Tensor, readJson } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const LM = path.resolve(__dirname, '../fixtures/lm');
const STEPS = 40;

test('kv-llama-pure16: trains through the CLI with finite, falling loss; the export stays float16 and runs in onnxruntime', async () => {
  const work = tempDir('pure16-');
  const run = path.join(work, 'runs', 'r');
  const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(LM, 'kv-llama-pure16', 'finetune.json'), '--runs-dir', path.join(work, 'runs'), '--run-id', 'r', '--threads', '1', '--steps', String(STEPS), '--set', `evalEvery=${STEPS}`], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(train.status, 0, `${train.stdout}\n${train.stderr}`);
  const records = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const steps = records.filter((r) => r.kind === 'step').map((r) => r.loss as number);
  const evals = records.filter((r) => r.kind === 'eval').map((r) => r.loss as number);
  assert.equal(steps.length, STEPS);
  assert.ok(steps.every(Number.isFinite), 'every training loss is finite');
  assert.equal(evals.length, 2, 'evaluated before the first step and after the last');
  assert.ok(evals[1] < evals[0], `the eval loss falls: ${evals[0]} → ${evals[1]}`);

  const out = path.join(work, 'tuned', 'model.onnx');
  const exp = spawnSync(process.execPath, [CLI, 'export', run, '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(exp.status, 0, exp.stderr);
  const exported = readModel(out).graph;
  assert.equal(exported.initializer.find((t) => t.name === 'embed_tokens.weight')!.data_type, DataType.FLOAT16);
  assert.equal(exported.output.find((o) => o.name === 'logits')!.type?.tensor_type?.elem_type, DataType.FLOAT16, 'the export keeps the float16 interface');
  const session = await ort.InferenceSession.create(out);
  const e = readJson(path.join(LM, 'kv-llama', 'expected.json'));
  const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(e.input_ids), attention_mask: int64Tensor(e.attention_mask), position_ids: int64Tensor(e.input_ids.map((r: number[]) => r.map((_, i) => i))) };
  for (let l = 0; l < 2; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float16', new Uint16Array(0), [e.input_ids.length, 2, 0, 8]);
  const result = await session.run(feeds);
  assert.equal(result.logits.type, 'float16');
  const bits = result.logits.data as Uint16Array;
  assert.ok(bits.length > 0 && bits.every((b) => (b & 0x7c00) !== 0x7c00), 'no inf or NaN in the float16 logits');
  await session.release();
});
