import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillNormal, normalAt } from '../../runtime/rng/normal';
import { seedFromNumber, stepSeed, zKey, type LayerKey } from '../../runtime/rng/seeds';
import { ZIGGURAT_R } from '../../runtime/rng/ziggurat-tables';

const RUN = seedFromNumber(20240611);
const KEY: LayerKey = zKey(stepSeed(RUN, 1), 0);

function normals(key: LayerKey, n: number): Float32Array {
  const out = new Float32Array(n);
  fillNormal(key, out);
  return out;
}

/** Small deterministic generator for chunk sizes in the tests (not the RNG under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('z_j is a pure function of (key, j): repeated fills are bit-identical', () => {
  const a = normals(KEY, 100_000);
  const b = normals({ key0: KEY.key0, key1: KEY.key1 }, 100_000);
  assert.deepEqual(a, b);
});

test('fillNormal equals the scalar definition normalAt, including slow-path elements', () => {
  const n = 20_000; // ~240 slow-path elements, a few tail elements
  const out = normals(KEY, n);
  for (let j = 0; j < n; j++) assert.equal(out[j], Math.fround(normalAt(KEY, j)), `element ${j}`);
});

test('chunked generation in random pieces equals whole-layer generation', () => {
  const n = 300_001;
  const whole = normals(KEY, n);
  const next = lcg(7);
  const inPlace = new Float32Array(n);
  for (let j0 = 0; j0 < n; ) {
    const j1 = Math.min(n, j0 + 1 + Math.floor(next() * 5000));
    fillNormal(KEY, inPlace, j0, j1); // chunk written into the whole-layer buffer
    const chunk = new Float32Array(j1 - j0);
    fillNormal(KEY, chunk, j0, j1, j0); // chunk written into its own buffer
    assert.deepEqual(chunk, whole.subarray(j0, j1), `chunk [${j0}, ${j1})`);
    j0 = j1;
  }
  assert.deepEqual(inPlace, whole);
});

test('elements far out in a layer (j near 2^32) are generated and consistent', () => {
  const j0 = 2 ** 32 - 1000;
  const chunk = new Float32Array(1000);
  fillNormal(KEY, chunk, j0, j0 + 1000, j0);
  for (let k = 0; k < 1000; k += 97) assert.equal(chunk[k], Math.fround(normalAt(KEY, j0 + k)));
  assert.ok(chunk.every(Number.isFinite));
});

test('fillNormal rejects ranges that do not fit the buffer', () => {
  const out = new Float32Array(10);
  assert.throws(() => fillNormal(KEY, out, 0, 11), RangeError);
  assert.throws(() => fillNormal(KEY, out, 5, 16, 5), RangeError);
  assert.throws(() => fillNormal(KEY, out, 4, 8, 5), RangeError);
  assert.throws(() => fillNormal(KEY, out, 3, 2), RangeError);
  fillNormal(KEY, out, 5, 15, 5); // exactly fits
});

test('different layers, steps and runs give uncorrelated streams', () => {
  const n = 500_000;
  const base = normals(KEY, n);
  const others: Array<[string, LayerKey]> = [
    ['next layer', zKey(stepSeed(RUN, 1), 1)],
    ['next step', zKey(stepSeed(RUN, 2), 0)],
    ['other run', zKey(stepSeed(seedFromNumber(20240612), 1), 0)],
  ];
  for (const [name, key] of others) {
    const other = normals(key, n);
    assert.notDeepEqual(other.subarray(0, 16), base.subarray(0, 16), name);
    // Correlation of independent standard normals: sd 1/sqrt(n) = 0.0014; 5 sd = 0.0071.
    assert.ok(Math.abs(correlation(base, other)) < 0.0071, `${name}: r = ${correlation(base, other)}`);
  }
  // Neighbouring elements of one stream are uncorrelated too (lag 1).
  assert.ok(Math.abs(correlation(base.subarray(1), base.subarray(0, n - 1))) < 0.0071);
});

test('distribution on 2M samples: moments, tails and Kolmogorov-Smirnov', () => {
  const n = 2_000_000;
  const z = normals(zKey(stepSeed(RUN, 7), 3), n);
  let sum = 0;
  let sumSq = 0;
  let positive = 0;
  let beyond2 = 0;
  let beyond3 = 0;
  let beyond4 = 0;
  let beyondR = 0;
  for (let i = 0; i < n; i++) {
    const v = z[i]!;
    sum += v;
    sumSq += v * v;
    if (v > 0) positive++;
    const a = Math.abs(v);
    if (a > 2) beyond2++;
    if (a > 3) beyond3++;
    if (a > 4) beyond4++;
    if (a > ZIGGURAT_R) beyondR++;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  // Each tolerance is 5 standard errors of the statistic under N(0, 1).
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  assertProportion('P(z > 0)', positive, n, 0.5);
  assertProportion('P(|z| > 2)', beyond2, n, 2 * (1 - normalCdf(2))); // 0.0455
  assertProportion('P(|z| > 3)', beyond3, n, 2 * (1 - normalCdf(3))); // 0.0027
  assertProportion('P(|z| > 4)', beyond4, n, 2 * (1 - normalCdf(4))); // 6.3e-5
  assertProportion('P(|z| > R), the ziggurat tail', beyondR, n, 2 * (1 - normalCdf(ZIGGURAT_R)));

  // Kolmogorov-Smirnov: sup |F_n - Phi|. Under H0, P(sqrt(n) D > 1.95) ~ 1e-3 and
  // P(sqrt(n) D > 2.5) ~ 1e-5; a ziggurat with a wrong table is off by far more.
  const sorted = Float64Array.from(z).sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf(sorted[i]!);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  assert.ok(Math.sqrt(n) * d < 2.5, `KS sqrt(n) D = ${Math.sqrt(n) * d}`);
});

function assertProportion(name: string, count: number, n: number, p: number): void {
  const sd = Math.sqrt(p * (1 - p) / n);
  const observed = count / n;
  assert.ok(Math.abs(observed - p) < 5 * sd, `${name}: observed ${observed}, expected ${p} +- ${5 * sd}`);
}

function correlation(a: Float32Array, b: Float32Array): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

/** Standard normal CDF via erfc (W. J. Cody's rational approximations are overkill; this is 1e-7). */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc with relative error < 1.2e-7 (Numerical Recipes, erfcc / Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
