/**
 * HELENE state storage (runtime/optim/state-storage.ts): bfloat16 rounding, the update with
 * bfloat16 state against a float32 reference rounded each step, per-row h, and the default storage
 * left bit-identical (the golden tests cover the latter too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import { createOptimizer } from '../../runtime/optim';
import type { DirectionSource, LossOracle, TrainableLayer } from '../../runtime/optim/optimizer';
import type { Helene } from '../../runtime/optim/helene';
import { bf16BitsOfF32Bits, fromBf16Bits, narrowToBf16, storageTuning, toBf16Bits, widenBf16, StateTensor } from '../../runtime/optim/state-storage';
import { firstNonFinite, hasNonFinite } from '../../runtime/run/guards';
import { residentRefusal } from '../../runtime/engine/resident/create-resident';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const valueOfBits = (bits: number): number => ((u32[0] = bits >>> 0), f32[0]);

/** Independent reference: the nearer of the two bfloat16 neighbours of a finite float32, ties to the even one. */
function referenceBf16(bits: number): number {
  const x = valueOfBits(bits);
  const lo = bits >>> 16;
  const hi = lo + 1;
  const dLo = Math.abs(x - fromBf16Bits(lo));
  // hi may be the pattern of ±Inf when x lies above the largest bfloat16: its "value" for the tie
  // rule is the next power of two, as IEEE rounding treats overflow.
  const vHi = (hi & 0x7fff) === 0x7f80 ? Math.sign(x) * 2 ** 128 : fromBf16Bits(hi);
  const dHi = Math.abs(x - vHi);
  if (dLo < dHi) return lo & 0xffff;
  if (dHi < dLo) return hi & 0xffff;
  return (lo & 1 ? hi : lo) & 0xffff;
}

test('bfloat16 rounding: ties to even, NaN and Inf preserved, overflow to Inf, subnormals', () => {
  // 1 + 2^-8 lies exactly between bfloat16 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): ties go to even.
  assert.equal(bf16BitsOfF32Bits(0x3f808000), 0x3f80);
  assert.equal(bf16BitsOfF32Bits(0x3f818000), 0x3f82, 'the tie above an odd pattern goes up to the even one');
  assert.equal(bf16BitsOfF32Bits(0x3f808001), 0x3f81, 'just above the tie rounds up');
  assert.equal(bf16BitsOfF32Bits(0x3f807fff), 0x3f80, 'just below the tie rounds down');
  assert.equal(bf16BitsOfF32Bits(0xbf808001), 0xbf81, 'negative values round by magnitude');
  // Special values.
  assert.equal(bf16BitsOfF32Bits(0x7f800000), 0x7f80, '+Inf');
  assert.equal(bf16BitsOfF32Bits(0xff800000), 0xff80, '-Inf');
  assert.equal(bf16BitsOfF32Bits(0x80000000), 0x8000, '-0 keeps its sign');
  for (const nan of [0x7fc00000, 0x7f800001, 0xff80ffff, 0x7fffffff]) {
    const b = bf16BitsOfF32Bits(nan);
    assert.ok(Number.isNaN(fromBf16Bits(b)), `NaN 0x${nan.toString(16)} stays NaN (got 0x${b.toString(16)})`);
    assert.equal(b >>> 15, nan >>> 31, 'NaN keeps its sign');
  }
  assert.equal(bf16BitsOfF32Bits(0x7f7fffff), 0x7f80, 'the largest float32 rounds past the largest bfloat16 to +Inf');
  assert.equal(bf16BitsOfF32Bits(0x7f7f7fff), 0x7f7f, 'below the midpoint it stays the largest bfloat16');
  // Subnormals: bfloat16 has float32's exponent range, so they round like any other value.
  assert.equal(bf16BitsOfF32Bits(0x00000001), 0x0000, 'the smallest float32 subnormal rounds to 0');
  assert.equal(bf16BitsOfF32Bits(0x00008000), 0x0000, 'a subnormal tie goes to even (0)');
  assert.equal(bf16BitsOfF32Bits(0x00018000), 0x0002, 'a subnormal tie above an odd pattern goes up');
  assert.equal(fromBf16Bits(0x0001), 2 ** -133, 'the smallest bfloat16 subnormal widens exactly');
  assert.equal(toBf16Bits(2 ** -133), 0x0001);
  assert.equal(toBf16Bits(1 + 2 ** -8), 0x3f80, 'toBf16Bits rounds from the float32 value');

  // Random finite patterns against the independent reference; the array form equals the scalar one.
  let seed = 12345;
  const bits = new Uint32Array(20000);
  for (let i = 0; i < bits.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    bits[i] = i % 4 === 0 ? (seed & 0xffff0000) | 0x8000 : seed; // a quarter exact ties
  }
  const values = new Float32Array(bits.buffer);
  const narrow = new Uint16Array(bits.length);
  narrowToBf16(values, narrow);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    const expected = (b & 0x7fffffff) > 0x7f800000 ? null : referenceBf16(b);
    if (expected === null) assert.ok(Number.isNaN(fromBf16Bits(narrow[i])));
    else assert.equal(narrow[i], expected, `0x${b.toString(16)}`);
    assert.equal(narrow[i], bf16BitsOfF32Bits(b));
  }
  // Widening is exact: narrow(widen(x)) = x for every bfloat16 pattern that is not NaN.
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const wide = new Float32Array(all.length);
  widenBf16(all, wide);
  const back = new Uint16Array(all.length);
  narrowToBf16(wide, back);
  for (let i = 0; i < all.length; i++) if ((i & 0x7fff) <= 0x7f80) assert.equal(back[i], i);
});

test('the state guard finds NaN and Inf in bfloat16 state and reads its value', () => {
  const state = new Uint16Array([toBf16Bits(1.5), toBf16Bits(-2), toBf16Bits(3e38)]);
  assert.equal(hasNonFinite(state), false, '3e38 is finite in bfloat16');
  state[1] = toBf16Bits(Infinity);
  assert.equal(hasNonFinite(state), true);
  assert.equal(firstNonFinite(state), 1);
  state[1] = toBf16Bits(1);
  state[2] = toBf16Bits(NaN);
  assert.equal(firstNonFinite(state), 2);
});

// ---------------------------------------------------------------- the update with stored state

/** z ~ N(0, I) from a seeded stream, the same in every optimizer of a test. */
class TestDirections implements DirectionSource {
  private a = 99;
  private uniform(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  async normal(_t: number, layers: TrainableLayer[]): Promise<void> {
    for (const l of layers) for (let j = 0; j < l.size; j++) l.dir[j] = Math.sqrt(-2 * Math.log(this.uniform() + 1e-12)) * Math.cos(2 * Math.PI * this.uniform());
  }
  async rademacher(): Promise<void> {
    throw new Error('not used');
  }
}

/** l_b = 0.5 Σ_j a_bj (x_j − target_j)², x = theta + scale dir: a curved loss, so the state matters. */
class QuadraticOracle implements LossOracle {
  constructor(private readonly layers: TrainableLayer[]) {}
  async losses(scale: number): Promise<Float32Array> {
    const out = new Float32Array(4);
    for (let b = 0; b < 4; b++) {
      let s = 0;
      let k = 0;
      for (const l of this.layers) {
        for (let j = 0; j < l.size; j++, k++) {
          const x = l.theta[j] + scale * l.dir[j];
          const d = x - Math.sin(k + b);
          s += 0.5 * (1 + ((k * 7 + b * 3) % 5)) * d * d;
        }
      }
      out[b] = s;
    }
    return out;
  }
}

function layersOf(shapes: number[][]): TrainableLayer[] {
  return shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name: `l${i}`, shape, size, rank: shape.length, theta: Float32Array.from({ length: size }, (_, j) => 0.1 * Math.cos(j + i)), dir: new Float32Array(size) };
  });
}

function config(extra: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'm.onnx' }, data: { train: 'x.jsonl' }, optimizer: { name: 'helene', lr: 0.01, k: 3, ...extra } }).config.optimizer;
}

async function run(shapes: number[][], extra: Record<string, unknown>, steps: number, afterStep?: (opt: Helene) => void): Promise<{ layers: TrainableLayer[]; opt: Helene }> {
  const layers = layersOf(shapes);
  const opt = createOptimizer(layers, config(extra), steps) as Helene;
  const oracle = new QuadraticOracle(layers);
  const directions = new TestDirections();
  for (let t = 1; t <= steps; t++) {
    await opt.step({ t, lr: 0.01, oracle, directions, collectStats: false });
    afterStep?.(opt);
  }
  return { layers, opt };
}

/** Round a float32 state array to bfloat16 values in place (the reference's "state rounded each step"). */
function roundInPlace(a: Float32Array): void {
  for (let j = 0; j < a.length; j++) a[j] = fromBf16Bits(toBf16Bits(a[j]));
}

const SHAPES = [[4, 6], [6], [3, 2, 2]];
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

// chunk 5: layers of 12 and 24 elements are walked in several chunks, as a large layer is.
for (const [extra, chunk] of [[{}, 1 << 20], [{}, 5], [{ rho: 0.5 }, 5], [{ hessian: 'batch', weightDecay: 0.1 }, 1 << 20]] as const) {
  test(`HELENE with bfloat16 state equals the float32 update with m and h rounded each step (${JSON.stringify(extra)}, chunks of ${chunk})`, async () => {
    storageTuning.chunkElements = chunk;
    const steps = 10; // refreshes at t = 1, 4, 7, 10 (k = 3): both kernel paths
    const reference = await run(SHAPES, extra, steps, (opt) => {
      opt.mState.stored.forEach((a) => roundInPlace(a as Float32Array));
      opt.hState.stored.forEach((a) => roundInPlace(a as Float32Array));
    });
    const bf16 = await run(SHAPES, { ...extra, stateDtype: 'bfloat16' }, steps);
    bf16.layers.forEach((l, i) => {
      assert.deepEqual(bitsOf(l.theta), bitsOf(reference.layers[i].theta), `theta of ${l.name}, bit for bit`);
      const m = bf16.opt.mState.stored[i];
      const h = bf16.opt.hState.stored[i];
      assert.ok(m instanceof Uint16Array && h instanceof Uint16Array, 'stored as bfloat16 bits');
      assert.deepEqual(Array.from(m, fromBf16Bits), Array.from(reference.opt.mState.stored[i]), `m of ${l.name}`);
      assert.deepEqual(Array.from(h, fromBf16Bits), Array.from(reference.opt.hState.stored[i]), `h of ${l.name}`);
    });
    assert.deepEqual(Array.from(bf16.opt.lambdas), Array.from(reference.opt.lambdas));
    // And the rounding matters: without it the float32 run ends elsewhere.
    const plain = await run(SHAPES, extra, steps);
    assert.notDeepEqual(bitsOf(plain.layers[0].theta), bitsOf(bf16.layers[0].theta));
    storageTuning.chunkElements = 1 << 20;
  });
}

test('float32 storage hands the kernels the stored arrays themselves (no copy, so default runs are unchanged)', async () => {
  const { opt } = await run(SHAPES, {}, 2);
  SHAPES.forEach((_, i) => {
    assert.equal(opt.mState.direct(i), true);
    assert.equal(opt.mState.open(i), opt.mState.stored[i]);
    assert.equal(opt.m[i], opt.mState.stored[i]);
  });
});

test('per-row h on weights of one column is the per-element h, bit for bit', async () => {
  const shapes = [[5, 1], [7], [3, 1, 1]];
  storageTuning.chunkElements = 2; // and walked in chunks
  const element = await run(shapes, {}, 10);
  const row = await run(shapes, { hessianShape: 'row' }, 10);
  row.layers.forEach((l, i) => {
    assert.deepEqual(bitsOf(l.theta), bitsOf(element.layers[i].theta), `theta of ${l.name}`);
    assert.deepEqual(bitsOf(row.opt.h[i]), bitsOf(element.opt.h[i]), `h of ${l.name}`);
  });
  assert.equal(row.opt.hState.direct(0), false, 'the [5, 1] weight is stored per row (5 rows of 1)');
  storageTuning.chunkElements = 1 << 20;
});

test('per-row h: one value per first-axis row, the row mean of the per-element estimate; vectors stay per element', async () => {
  const shapes = [[3, 4], [6]];
  // One step (a refresh): h_hat = s z⊙z with s = (1 − beta2) mean_b c_b²; the row h is its row mean.
  const element = await run(shapes, {}, 1);
  const row = await run(shapes, { hessianShape: 'row' }, 1);
  assert.equal(row.opt.hState.stored[0].length, 3, 'a [3, 4] weight keeps 3 values of h');
  assert.equal(row.opt.hState.stored[1].length, 6, 'a vector keeps one h per element');
  const perElement = element.opt.h[0];
  for (let r = 0; r < 3; r++) {
    const mean = (perElement[4 * r] + perElement[4 * r + 1] + perElement[4 * r + 2] + perElement[4 * r + 3]) / 4;
    assert.ok(Math.abs(row.opt.hState.value(0, r) - mean) <= 1e-6 * mean, `row ${r}: ${row.opt.hState.value(0, r)} vs ${mean}`);
  }
  assert.deepEqual(Array.from(row.opt.h[1]), Array.from(element.opt.h[1]), 'the vector is unchanged');
  // The update of the refresh step already used the row value: theta moved by lr m / max(h_row, lambda).
  const lambda = row.opt.lambdas[0];
  const m = row.opt.m[0];
  for (let j = 0; j < 12; j++) {
    const hRow = row.opt.hState.value(0, Math.floor(j / 4));
    const start = 0.1 * Math.cos(j);
    const expected = Math.fround(start - 0.01 * (m[j] / (Math.max(hRow, lambda) + 1e-8)));
    assert.ok(Math.abs(row.layers[0].theta[j] - expected) <= 1e-7, `theta[${j}]`);
  }
});

test('both options together, and the layerwise variant with each option, train to a loss near float32 state', async () => {
  const final = async (extra: Record<string, unknown>) => {
    const { layers } = await run(SHAPES, extra, 60);
    return (await new QuadraticOracle(layers).losses(0)).reduce((a, b) => a + b, 0);
  };
  for (const variant of [{}, { variant: 'layerwise', blocks: 'row' }, { variant: 'bias-corrected' }]) {
    const base = await final(variant);
    for (const option of [{ stateDtype: 'bfloat16' }, { hessianShape: 'row' }, { stateDtype: 'bfloat16', hessianShape: 'row' }]) {
      const loss = await final({ ...variant, ...option });
      assert.ok(Number.isFinite(loss) && Math.abs(loss - base) < 0.1 * base, `${JSON.stringify({ ...variant, ...option })}: ${loss} vs float32 ${base}`);
    }
  }
});

test('a state tensor refuses a second open layer while one is open (one shared scratch)', () => {
  const s = new StateTensor([{ size: 4, shape: [4], rank: 1 }, { size: 2, shape: [2], rank: 1 }], 'bfloat16');
  const v = s.open(0);
  assert.throws(() => s.open(1), /layer 0 is still open/);
  s.commit(0, v);
  assert.doesNotThrow(() => s.commit(1, s.open(1)));
});

test('engine.resident (float32 state in its update graph) refuses the storage options in one sentence', () => {
  assert.equal(residentRefusal(config({})), null);
  assert.match(residentRefusal(config({ stateDtype: 'bfloat16' }))!, /optimizer\.stateDtype "bfloat16" and optimizer\.hessianShape "row" run on the host only/);
  assert.match(residentRefusal(config({ hessianShape: 'row' }))!, /set engine\.resident to false/);
});
