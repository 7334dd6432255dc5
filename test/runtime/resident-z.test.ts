/**
 * The resident z generator (runtime/engine/resident/z-ops.ts) on the CPU EP: its Threefry words are
 * bit-for-bit the CPU stream's (threefry2x32_13 with the same keys and counters), its z matches the
 * JS port (z-reference.ts) to float32 rounding of Log/Sqrt/Cos/Sin, it is a pure function of
 * (seed, step, layer, element), and it is N(0, 1): moments and tail mass at 2^18 samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildZGraph, KEYS_INPUT, zOutput, type ResidentLayer } from '../../runtime/engine/resident/z-graph';
import { FAN } from '../../runtime/engine/resident/bounded-fan';
import { decodeModel } from '../../runtime/onnx/model-io';
import { fillResidentNormal } from '../../runtime/engine/resident/z-reference';
import { seedFromConfig, stepSeed, threefry2x32_13, zKey, type LayerKey } from '../../runtime/rng';

const LAYERS: ResidentLayer[] = [
  { name: 'odd', shape: [3, 7], size: 21 },
  { name: 'big', shape: [512, 512], size: 262144 },
  { name: 'bias', shape: [5], size: 5 },
];

async function runZ(layers: ResidentLayer[], keys: LayerKey[]): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(buildZGraph(layers, { words: true }), { intraOpNumThreads: 1 });
  const flat = Uint32Array.from(keys.flatMap((k) => [k.key0, k.key1]));
  const out = await session.run({ [KEYS_INPUT]: new ort.Tensor('uint32', flat, [layers.length, 2]) });
  await session.release();
  return out;
}

const keysAt = (seed: string, t: number, count: number) => Array.from({ length: count }, (_, i) => zKey(stepSeed(seedFromConfig(seed), t), i));

test('the Threefry words of the z graph are bit-for-bit the CPU generator\'s (same keys, counters (⌊j/2⌋, 0))', async () => {
  const keys = keysAt('resident-z', 3, LAYERS.length);
  const out = await runZ(LAYERS, keys);
  const words = new Uint32Array(2);
  LAYERS.forEach((layer, i) => {
    const w0 = out[`${layer.name}::w0`].data as Uint32Array;
    const w1 = out[`${layer.name}::w1`].data as Uint32Array;
    assert.equal(w0.length, Math.ceil(layer.size / 2));
    for (let p = 0; p < w0.length; p++) {
      threefry2x32_13(p, 0, keys[i].key0, keys[i].key1, words);
      if (w0[p] !== words[0] || w1[p] !== words[1]) assert.fail(`${layer.name} pair ${p}: graph (${w0[p]}, ${w1[p]}) != threefry2x32_13 (${words[0]}, ${words[1]})`);
    }
  });
});

test('z of the graph matches its JS port within 4e-7·max(1, |z|) (float32 Log/Cos/Sin of onnxruntime vs Math; measured 2.8e-7), shaped like the layer', async () => {
  const keys = keysAt('resident-z', 3, LAYERS.length);
  const out = await runZ(LAYERS, keys);
  LAYERS.forEach((layer, i) => {
    const z = out[zOutput(layer.name)];
    assert.deepEqual(z.dims, layer.shape);
    const ref = new Float32Array(layer.size);
    fillResidentNormal(keys[i], ref);
    const data = z.data as Float32Array;
    for (let j = 0; j < layer.size; j++) {
      const tol = 4e-7 * Math.max(1, Math.abs(ref[j]));
      if (!(Math.abs(data[j] - ref[j]) <= tol)) assert.fail(`${layer.name}[${j}]: graph ${data[j]} vs JS ${ref[j]}`);
    }
  });
});

test('z is a pure function of (seed, step, layer, element): same inputs same bits; another step, seed or layer differs; other layers do not matter', async () => {
  const a = await runZ(LAYERS, keysAt('s', 5, 3));
  const again = await runZ(LAYERS, keysAt('s', 5, 3));
  assert.deepEqual(a[zOutput('big')].data, again[zOutput('big')].data);
  const nextStep = await runZ(LAYERS, keysAt('s', 6, 3));
  const otherSeed = await runZ(LAYERS, keysAt('t', 5, 3));
  const sameCount = (x: ort.Tensor, y: ort.Tensor) => (x.data as Float32Array).filter((v, j) => v === (y.data as Float32Array)[j]).length;
  assert.ok(sameCount(a[zOutput('big')], nextStep[zOutput('big')]) < 10, 'another step gives another z');
  assert.ok(sameCount(a[zOutput('big')], otherSeed[zOutput('big')]) < 10, 'another seed gives another z');
  // Layer 2 alone (as layer 0 of a one-layer graph, with its own key) gives the same values.
  const alone = await runZ([LAYERS[2]], [keysAt('s', 5, 3)[2]]);
  assert.deepEqual(alone[zOutput('bias')].data, a[zOutput('bias')].data);
});

test('z is standard normal: mean, variance, 4th moment and |z| > 2 mass at 2^18 samples within 5 standard errors', async () => {
  const out = await runZ([LAYERS[1]], keysAt('moments', 1, 1));
  const z = out[zOutput('big')].data as Float32Array;
  const n = z.length;
  let m1 = 0, m2 = 0, m4 = 0, tail = 0;
  for (const v of z) {
    m1 += v;
    m2 += v * v;
    m4 += v ** 4;
    if (Math.abs(v) > 2) tail++;
  }
  m1 /= n; m2 /= n; m4 /= n;
  const se = (variance: number) => 5 * Math.sqrt(variance / n);
  assert.ok(Math.abs(m1) < se(1), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < se(2), `variance ${m2}`); // Var(z²) = 2
  assert.ok(Math.abs(m4 - 3) < se(96), `4th moment ${m4}`); // Var(z⁴) = 105 − 9 = 96
  const p = 0.0455003; // P(|z| > 2)
  assert.ok(Math.abs(tail / n - p) < se(p * (1 - p)), `tail mass ${tail / n}`);
  // Adjacent pairs (cos, sin of one draw) are uncorrelated.
  let cross = 0;
  for (let j = 0; j + 1 < n; j += 2) cross += z[j] * z[j + 1];
  assert.ok(Math.abs(cross / (n / 2)) < se(1) * Math.SQRT2, `pair correlation ${cross / (n / 2)}`);
});

test('z hashed in chunks (WebGPU binding cap): the same hash words bit for bit, z within the float32 tolerance', async () => {
  const layers: ResidentLayer[] = [...LAYERS, { name: 'tail', shape: [4, 3], size: 12 }];
  const keys = keysAt('chunks', 3, layers.length);
  const flat = Uint32Array.from(keys.flatMap((k) => [k.key0, k.key1]));
  const run = async (maxPairs?: number) => {
    const session = await ort.InferenceSession.create(buildZGraph(layers, { words: true, maxPairs }), { intraOpNumThreads: 1 });
    const out = await session.run({ [KEYS_INPUT]: new ort.Tensor('uint32', flat, [layers.length, 2]) });
    await session.release();
    return out;
  };
  const whole = await run();
  // 11 pairs per chunk: 'odd' alone, 'big' alone (above the limit), 'bias' + 'tail' together.
  const chunked = await run(11);
  let ulps = 0;
  for (const l of layers) {
    for (const w of ['w0', 'w1']) assert.deepEqual(chunked[`${l.name}::${w}`].data, whole[`${l.name}::${w}`].data, `${l.name} ${w}`);
    const [a, b] = [chunked[zOutput(l.name)].data as Float32Array, whole[zOutput(l.name)].data as Float32Array];
    // onnxruntime's vectorised Log/Cos/Sin take another path for a vector's last elements, so an
    // element's float32 z can move by an ulp with its position in the vector (measured: 1 of 21 here).
    for (let j = 0; j < a.length; j++) {
      assert.ok(Math.abs(a[j] - b[j]) <= 4e-7 * Math.max(1, Math.abs(b[j])), `${l.name}[${j}]: ${a[j]} vs ${b[j]}`);
      if (a[j] !== b[j]) ulps++;
    }
  }
  console.log(`# chunked vs one-vector z: ${ulps} elements differ (by at most 4e-7·max(1, |z|))`);
});

test('many layers: no Split has more than 15 outputs nor Concat 15 inputs (WebGPU binds 16 storage buffers per shader), and every layer\'s words and z are still its own', async () => {
  const layers: ResidentLayer[] = Array.from({ length: 40 }, (_, i) => ({ name: `l${i}`, shape: [i + 1], size: i + 1 }));
  const bytes = buildZGraph(layers, { words: true });
  const wide = decodeModel(bytes).graph!.node.filter((n) => n.op_type === 'Split' || n.op_type === 'Concat');
  const splits = wide.filter((n) => n.op_type === 'Split');
  assert.ok(splits.length > 3, `the 40 layers need a tree of Splits, found ${splits.length}`);
  for (const n of wide) assert.ok(Math.max(n.input.length, n.output.length) <= FAN + 1, `${n.name ?? n.op_type}: ${n.input.length} inputs, ${n.output.length} outputs`);
  for (const s of splits) assert.ok(s.output.length <= FAN, `${s.name ?? s.op_type} has ${s.output.length} outputs`);
  const keys = keysAt('many', 5, layers.length);
  const out = await runZ(layers, keys);
  const words = new Uint32Array(2);
  layers.forEach((layer, i) => {
    const w0 = out[`${layer.name}::w0`].data as Uint32Array;
    for (let p = 0; p < w0.length; p++) {
      threefry2x32_13(p, 0, keys[i].key0, keys[i].key1, words);
      assert.equal(w0[p], words[0], `${layer.name} pair ${p}`);
    }
    const ref = new Float32Array(layer.size);
    fillResidentNormal(keys[i], ref);
    const z = out[zOutput(layer.name)].data as Float32Array;
    for (let j = 0; j < layer.size; j++) assert.ok(Math.abs(z[j] - ref[j]) <= 4e-7 * Math.max(1, Math.abs(ref[j])), `${layer.name}[${j}]: ${z[j]} vs ${ref[j]}`);
  });
});

test('the arithmetic spelling of the hash (for WebGPU, which has no bit-op kernels) gives the same words and z bit for bit, with no bit-op node', async () => {
  const layers: ResidentLayer[] = [...LAYERS, { name: 'tail', shape: [4, 3], size: 12 }];
  const keys = keysAt('arith', 7, layers.length);
  const flat = Uint32Array.from(keys.flatMap((k) => [k.key0, k.key1]));
  const run = async (bits: 'native' | 'arithmetic') => {
    const bytes = buildZGraph(layers, { words: true, bits });
    const ops = new Set(decodeModel(bytes).graph!.node.map((n) => n.op_type));
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const out = await session.run({ [KEYS_INPUT]: new ort.Tensor('uint32', flat, [layers.length, 2]) });
    await session.release();
    return { out, ops };
  };
  const native = await run('native');
  const arithmetic = await run('arithmetic');
  assert.ok(native.ops.has('BitwiseXor') && native.ops.has('BitShift'));
  for (const op of ['BitShift', 'BitwiseXor', 'BitwiseOr', 'BitwiseAnd', 'Mod']) assert.ok(!arithmetic.ops.has(op), `the arithmetic graph has a ${op} node`);
  const words = new Uint32Array(2);
  layers.forEach((layer, i) => {
    const w0 = arithmetic.out[`${layer.name}::w0`].data as Uint32Array;
    const w1 = arithmetic.out[`${layer.name}::w1`].data as Uint32Array;
    for (let p = 0; p < w0.length; p++) {
      threefry2x32_13(p, 0, keys[i].key0, keys[i].key1, words);
      if (w0[p] !== words[0] || w1[p] !== words[1]) assert.fail(`${layer.name} pair ${p}: (${w0[p]}, ${w1[p]}) != threefry2x32_13 (${words[0]}, ${words[1]})`);
    }
    assert.deepEqual(arithmetic.out[zOutput(layer.name)].data, native.out[zOutput(layer.name)].data, `${layer.name}: z`);
  });
});
