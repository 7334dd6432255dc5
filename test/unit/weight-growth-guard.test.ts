// The weight-growth guard: a tensor grown past factor x max(its start RMS, all trainables' start RMS)
// stops the run with a message naming it; a zero-initialised adapter may grow to the weights' size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GUARDS, DivergenceGuards, stopMessage } from '../../runtime/run/guards';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

const layer = (name: string, values: number[]): TrainableLayer => ({ name, theta: Float32Array.from(values) }) as unknown as TrainableLayer;

test('a tensor grown past factor x its start trips at the next due check, names the tensor and the growth; below it nothing', () => {
  const a = layer('attn.lora_A', [0.1, -0.1, 0.1, -0.1]);
  const b = layer('attn.lora_B', [0, 0, 0, 0]);
  const guards = new DivergenceGuards({ ...DEFAULT_GUARDS, weightGrowth: { enabled: true, factor: 100, every: 10 } });
  guards.weights.start([a, b]);
  a.theta.fill(9); // 90x: under the factor
  guards.beginStep(10, 0.01);
  assert.equal(guards.checkState([a, b], {}, 7.19), null);
  a.theta.fill(11); // 110x
  guards.beginStep(11, 0.01);
  assert.equal(guards.checkState([a, b], {}, 7.19), null, 'not due at step 11 (every 10)');
  guards.beginStep(20, 0.01);
  const trip = guards.checkState([a, b], {}, 7.19);
  assert.ok(trip);
  assert.equal(trip.guard, 'weight-growth');
  assert.equal(trip.policy, 'stop');
  assert.equal(trip.tensor, 'attn.lora_A');
  assert.match(stopMessage(trip, 'snapshot'), /^step 20: attn\.lora_A grew 110x \(RMS 0\.1 -> 11, .*; the run stopped\. Try optimizer\.lr = 0\.001 /);
});

test('a tiny tensor is measured against all trainables at the start; one that starts at exactly zero (LoRA B) is not checked', () => {
  const w = layer('w', [1, -1, 1, -1]);
  const bias = layer('bias', [0.001, 0.001]);
  const b = layer('lora_B', [0, 0, 0, 0]);
  const guards = new DivergenceGuards({ ...DEFAULT_GUARDS, weightGrowth: { enabled: true, factor: 100, every: 1 } });
  guards.weights.start([w, bias, b]);
  // all trainables' start RMS: sqrt((4 x 1 + 2 x 1e-6) / 10) = 0.6325; the bias may grow to it (632x its own start)
  bias.theta.fill(0.6);
  b.theta.fill(1e6);
  guards.beginStep(1, 0.1);
  assert.equal(guards.checkState([w, bias, b], {}, 1), null, 'the bias grew to the weights\' size; lora_B is not checked');
  bias.theta.fill(70);
  guards.beginStep(2, 0.1);
  const trip = guards.checkState([w, bias, b], {}, 1);
  assert.equal(trip?.tensor, 'bias');
  assert.match(trip!.what, /against the RMS of all trainable tensors at the start/);
  // Disabled: no trip.
  const off = new DivergenceGuards({ ...DEFAULT_GUARDS, weightGrowth: { enabled: false, factor: 100, every: 1 } });
  off.weights.start([w]);
  w.theta.fill(1e9);
  off.beginStep(1, 0.1);
  assert.equal(off.checkState([w], {}, 1), null);
});
