/**
 * Rounding for model.masterWeights "stored" (runtime/run/stored-masters.ts): results are values of
 * the stored type, nearest agrees with the export's encoder, and stochastic rounding is unbiased,
 * picks only the two neighbours and is a pure function of its key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../../runtime/onnx/half-precision';
import { roundBfloat16Nearest, roundBfloat16Stochastic, roundHalfNearest, roundHalfStochastic, roundingKey, storedMastersFor } from '../../runtime/run/stored-masters';
import { DataType } from '../../runtime/onnx/onnx-types';

const samples = (): Float32Array => {
  const v = new Float32Array(4000);
  let s = 12345;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const magnitude = 2 ** (((s >>> 8) % 40) - 30); // 2^-30 … 2^9: float16 subnormals to normals
    v[i] = (s & 1 ? -1 : 1) * magnitude * (1 + (s >>> 16) / 65536);
  }
  return v;
};

test('nearest: every element becomes the float16 / bfloat16 value the export encoder picks', () => {
  const x = samples();
  const h = Float32Array.from(x);
  roundHalfNearest(h);
  x.forEach((v, i) => assert.equal(h[i], halfToFloat(floatToHalf(v)), `float16 at ${v}`));
  const b = Float32Array.from(x);
  roundBfloat16Nearest(b);
  x.forEach((v, i) => assert.equal(b[i], bfloat16ToFloat(floatToBfloat16(v)), `bfloat16 at ${v}`));
});

test('stochastic float16: a neighbour of x, exact in float16, the same for the same key, and unbiased', () => {
  const x = samples();
  const a = Float32Array.from(x);
  roundHalfStochastic(a, 7);
  const again = Float32Array.from(x);
  roundHalfStochastic(again, 7);
  assert.deepEqual(again, a, 'a pure function of the key');
  x.forEach((v, i) => {
    assert.equal(halfToFloat(floatToHalf(a[i])), a[i], `float16 value at ${v}`);
    const near = halfToFloat(floatToHalf(v));
    // The two neighbours bracket x; the nearest is one of them.
    const ulp = Math.abs(v) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10);
    assert.ok(Math.abs(a[i] - v) < ulp && Math.abs(a[i] - near) <= ulp, `${a[i]} is a neighbour of ${v}`);
  });
  // 1 + 0.25 ulp: rounds up a quarter of the time (nearest would always give 1).
  for (const [value, ulp] of [[1 + 2 ** -12, 2 ** -10], [3 * 2 ** -26, 2 ** -24]] as const) {
    const n = 20000;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const one = new Float32Array([value]);
      roundHalfStochastic(one, roundingKey(1, k, 0));
      sum += one[0];
    }
    assert.ok(Math.abs(sum / n - value) < 0.02 * ulp, `mean ${sum / n} vs ${value}`);
  }
});

test('stochastic bfloat16: a neighbour, exact in bfloat16, unbiased', () => {
  const x = samples();
  const a = Float32Array.from(x);
  roundBfloat16Stochastic(a, 99);
  x.forEach((v, i) => {
    assert.equal(bfloat16ToFloat(floatToBfloat16(a[i])), a[i]);
    assert.ok(Math.abs(a[i] - v) < 2 ** (Math.floor(Math.log2(Math.abs(v))) - 7));
  });
  const value = 1 + 2 ** -9; // a quarter of bfloat16's spacing at 1 (2^-7)
  let sum = 0;
  for (let k = 0; k < 20000; k++) {
    const one = new Float32Array([value]);
    roundBfloat16Stochastic(one, roundingKey(3, k, 2));
    sum += one[0];
  }
  assert.ok(Math.abs(sum / 20000 - value) < 0.02 * 2 ** -7);
});

test('keys differ by step and by layer; only half-precision layers are rounded', () => {
  assert.notEqual(roundingKey(1, 1, 0), roundingKey(1, 2, 0));
  assert.notEqual(roundingKey(1, 1, 0), roundingKey(1, 1, 1));
  assert.notEqual(roundingKey(1, 1, 0), roundingKey(2, 1, 0));
  const layer = (v: number) => ({ name: 'w', shape: [1], size: 1, rank: 1, theta: new Float32Array([v]), dir: new Float32Array(1) });
  const layers = [layer(1 + 2 ** -13), layer(1 + 2 ** -13), layer(1 + 2 ** -13)];
  const seed = { hi: 0, lo: 5 };
  assert.equal(storedMastersFor('float32', 'nearest', layers, [DataType.FLOAT16, DataType.FLOAT16, DataType.FLOAT16], seed), null);
  assert.equal(storedMastersFor('stored', 'nearest', layers, [DataType.FLOAT, DataType.FLOAT, DataType.FLOAT], seed), null, 'nothing to round');
  storedMastersFor('stored', 'nearest', layers, [DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16], seed)!.round(1);
  assert.deepEqual([...layers].map((l) => l.theta[0]), [1 + 2 ** -13, 1, 1]);
});
