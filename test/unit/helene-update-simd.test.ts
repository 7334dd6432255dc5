/**
 * HELENE's element-wise loops on the WebAssembly SIMD kernel (helene-update-simd.wat) against the JS
 * loops they replace (HELENE_UPDATE_KERNEL's 'js'): the same θ, m and h bytes and the same returned
 * sums (Object.is), for sizes around the vector width, the JS threshold and the kernel's chunk size,
 * for each hyperparameter set, over chained steps, and the same verdict of the folded finiteness probe.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clippedUpdate, momentumAndCurvature, momentumClippedUpdate, momentumUpdate, preconditionedUpdate, refreshedSum } from '../../runtime/optim/helene-kernels';
import { curvatureEma, decayedElementUpdate, elementUpdate, momentum } from '../../runtime/optim/helene-common';
import { HELENE_SIMD_MIN_ELEMENTS, loadHeleneUpdateSimd, setHeleneUpdateKernel } from '../../runtime/optim/helene-update-simd';

after(() => setHeleneUpdateKernel('auto'));

interface State {
  theta: Float32Array;
  m: Float32Array;
  h: Float32Array;
  z: Float32Array;
}

/**
 * Deterministic test data (not the RNG under test): theta ~ 0.1, m ~ 1e-3, h >= 0 ~ 1e-2, z ~ 2.5.
 * Every 7th h is exactly LAMBDA (a tie of h > lambda), every 11th is -0 or 0, every 13th m is -0.
 */
const LAMBDA = Math.fround(0.004);
function data(n: number, seed: number): State {
  const s: State = { theta: new Float32Array(n), m: new Float32Array(n), h: new Float32Array(n), z: new Float32Array(n) };
  let x = seed >>> 0;
  const next = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let j = 0; j < n; j++) {
    s.theta[j] = next() * 0.1;
    s.m[j] = j % 13 === 0 ? -0 : next() * 1e-3;
    s.h[j] = j % 7 === 0 ? LAMBDA : j % 11 === 0 ? (j % 2 ? -0 : 0) : Math.abs(next()) * 1e-2;
    s.z[j] = next() * 2.5;
  }
  return s;
}

const copy = (s: State): State => ({ theta: s.theta.slice(), m: s.m.slice(), h: s.h.slice(), z: s.z.slice() });

function sameBytes(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)), 0, what);
}

/** Runs `op` on a copy of `s` with the JS loops and with the kernel; returns both states and results. */
function both(s: State, op: (t: State) => number): { js: State; simd: State; jsOut: number; simdOut: number } {
  const js = copy(s);
  const simd = copy(s);
  assert.equal(setHeleneUpdateKernel('js'), 'js');
  const jsOut = op(js);
  assert.equal(setHeleneUpdateKernel('auto'), 'simd');
  const simdOut = op(simd);
  return { js, simd, jsOut, simdOut };
}

interface Params {
  beta1: number;
  g: number;
  lr: number;
  gamma: number;
  epsDen: number;
  rho: number | null;
  decay: number;
  beta2: number;
  s: number;
}

const PARAMS: Params[] = [
  { beta1: 0.9, g: 0.37, lr: 1e-3, gamma: 1, epsDen: 1e-8, rho: null, decay: 0, beta2: 0.99, s: 0.01 },
  { beta1: 0.9, g: -12.5, lr: 1e-4, gamma: 0.5, epsDen: 1e-6, rho: 1, decay: 0.01, beta2: 0.95, s: 3.7 },
  // a small rho so that many ratios are clipped at both ends
  { beta1: 0.5, g: 1e-7, lr: 0.5, gamma: 2, epsDen: 1e-12, rho: 0.02, decay: 0.1, beta2: 0.9, s: 1e-5 },
  { beta1: 0.99, g: 250, lr: 3e-5, gamma: 1, epsDen: 0, rho: 5, decay: 1e-4, beta2: 0.999, s: 250 },
];

/** Every kernel as the optimizers call it; each returns its sum (|update|² or the curvature sum / mean). */
const OPS: Array<[string, (p: Params) => (t: State) => number]> = [
  ['momentumUpdate', (p) => (t) => momentumUpdate(t.theta, t.m, t.h, t.z, p.beta1, p.g, LAMBDA, p.lr, p.gamma, p.epsDen, p.decay)],
  ['momentumClippedUpdate', (p) => (t) => momentumClippedUpdate(t.theta, t.m, t.h, t.z, p.beta1, p.g, LAMBDA, p.lr, p.gamma, p.epsDen, p.rho ?? 1, p.decay)],
  ['preconditionedUpdate', (p) => (t) => preconditionedUpdate(t.theta, t.m, t.h, LAMBDA, p.lr, p.gamma, p.epsDen, p.decay)],
  ['clippedUpdate', (p) => (t) => clippedUpdate(t.theta, t.m, t.h, LAMBDA, p.lr, p.gamma, p.epsDen, p.rho ?? 1, p.decay)],
  ['momentumAndCurvature', (p) => (t) => momentumAndCurvature(t.m, t.h, t.z, p.beta1, p.g, p.beta2, p.s)],
  ['refreshedSum', (p) => (t) => refreshedSum(0.25, t.h, t.z, p.beta2, p.s)],
  ['elementUpdate', (p) => (t) => elementUpdate(t.theta, t.m, t.h, LAMBDA, p.lr, p.gamma, p.epsDen, p.rho ?? Infinity, p.decay)],
  ['momentum', (p) => (t) => (momentum(t.m, t.z, p.beta1, p.g), 0)],
  ['curvatureEma', (p) => (t) => curvatureEma(t.h, t.z, p.beta2, p.s)],
  ['decayedElementUpdate', (p) => (t) => decayedElementUpdate(t.theta, t.m, t.h, p.beta1, LAMBDA, p.lr, p.gamma, p.epsDen, p.rho ?? Infinity, p.decay)],
];

/** The loops that update θ and return |update|² with the folded finiteness probe (the others update m and/or h). */
const isUpdate = (name: string): boolean => name.endsWith('Update');

function assertSame(r: ReturnType<typeof both>, what: string): void {
  sameBytes(r.simd.theta, r.js.theta, `${what}: θ`);
  sameBytes(r.simd.m, r.js.m, `${what}: m`);
  sameBytes(r.simd.h, r.js.h, `${what}: h`);
  assert.ok(Object.is(r.simdOut, r.jsOut), `${what}: returned ${r.simdOut} vs ${r.jsOut}`);
}

test('the HELENE SIMD kernel loads on this Node (else the tests below would compare the JS loops with themselves)', () => {
  assert.ok(loadHeleneUpdateSimd() !== undefined);
  assert.equal(setHeleneUpdateKernel('auto'), 'simd');
});

test('θ, m, h bytes and the returned sums equal the JS loops for every kernel, size and hyperparameter set', () => {
  const chunk = loadHeleneUpdateSimd()!.theta.length;
  const sizes = [0, 1, 3, 4, 5, 255, 256, 257, 258, 259, 1023, chunk - 1, chunk, chunk + 1, chunk + 3, 2 * chunk, 70_001];
  for (const [name, op] of OPS) {
    for (const p of PARAMS) {
      for (const n of sizes) {
        const s = data(n, n * 31 + 7);
        const r = both(s, op(p));
        assertSame(r, `${name} n ${n} ${JSON.stringify(p)}`);
        if (n >= HELENE_SIMD_MIN_ELEMENTS && isUpdate(name)) {
          assert.notEqual(Buffer.compare(Buffer.from(r.simd.theta.buffer), Buffer.from(s.theta.buffer)), 0, `${name} n ${n}: θ moved`);
        }
      }
    }
  }
});

test('clipping is exercised: the small-rho set clips at +rho and at -rho (so a broken clip would show)', () => {
  const p = PARAMS[2];
  const s = data(10_000, 3);
  const t = copy(s);
  setHeleneUpdateKernel('auto');
  clippedUpdate(t.theta, t.m, t.h, LAMBDA, p.lr, p.gamma, p.epsDen, p.rho!, 0);
  let up = 0;
  let down = 0;
  for (let j = 0; j < s.theta.length; j++) {
    const step = Math.fround(s.theta[j] - p.lr * p.rho!);
    if (t.theta[j] === step) up++;
    if (t.theta[j] === Math.fround(s.theta[j] + p.lr * p.rho!)) down++;
  }
  assert.ok(up > 100 && down > 100, `clipped up ${up}, down ${down}`);
});

test('twenty chained steps of the paper schedule (refresh every 4th) stay bit-identical', () => {
  const n = 70_001;
  const js = data(n, 99);
  const simd = copy(js);
  for (const [state, kernel] of [[js, 'js'], [simd, 'auto']] as const) {
    setHeleneUpdateKernel(kernel);
    for (let t = 1; t <= 20; t++) {
      const g = (t - 10.5) * 0.08;
      if ((t - 1) % 4 === 0) {
        const lambda = 0.1 * momentumAndCurvature(state.m, state.h, state.z, 0.9, g, 0.99, 0.5);
        preconditionedUpdate(state.theta, state.m, state.h, lambda, 1e-3, 1, 1e-8, 0.01);
      } else {
        momentumClippedUpdate(state.theta, state.m, state.h, state.z, 0.9, g, 0.002, 1e-3, 1, 1e-8, 0.5, 0.01);
      }
      // the next step's direction, as a new z would be
      state.z.reverse();
    }
  }
  sameBytes(simd.theta, js.theta, 'θ after 20 steps');
  sameBytes(simd.m, js.m, 'm after 20 steps');
  sameBytes(simd.h, js.h, 'h after 20 steps');
});

const sameOrBothNaN = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

test('a NaN or ±Inf in θ, m, h or z, or an overflow, makes each update non-finite exactly as in the JS loop', () => {
  const chunk = loadHeleneUpdateSimd()!.theta.length;
  const n = chunk + 1_003; // two kernel calls: a bad value in the second one must still show
  const spoilers: Array<[string, (s: State) => void]> = [
    ['NaN in h (second chunk)', (s) => { s.h[chunk + 500] = NaN; }],
    ['+Inf in h', (s) => { s.h[70] = Infinity; }],
    ['NaN in m in the scalar tail', (s) => { s.m[n - 1] = NaN; }],
    ['-Inf in θ', (s) => { s.theta[4_001] = -Infinity; }],
    ['NaN in z', (s) => { s.z[12] = NaN; }],
    // with lr 1e30 (below) every other step stays finite: |delta| <= ~1e33 there
    ['θ overflows when stored as float32', (s) => { s.theta[9_000] = -3.4028e38; s.m[9_000] = 1e6; s.h[9_000] = 0; }],
  ];
  const updates = OPS.filter(([name]) => isUpdate(name));
  for (const [name, spoil] of spoilers) {
    for (const [op, make] of updates) {
      const s = data(n, 5);
      spoil(s);
      const r = both(s, make(name.includes('overflow') ? { ...PARAMS[0], lr: 1e30, rho: 1e9 } : PARAMS[0]));
      const what = `${op}, ${name}`;
      if (name === 'NaN in z' && !op.startsWith('momentum')) continue; // z is not read
      assert.ok(!Number.isFinite(r.jsOut), `${what}: the JS probe fires`);
      assert.ok(!Number.isFinite(r.simdOut), `${what}: the kernel's probe fires`);
      // Stored values agree (NaN compared as NaN: its payload is not part of the contract).
      for (const key of ['theta', 'm', 'h'] as const) {
        for (let j = 0; j < n; j++) {
          if (!sameOrBothNaN(r.simd[key][j], r.js[key][j])) assert.fail(`${what}: ${key}[${j}] ${r.simd[key][j]} vs ${r.js[key][j]}`);
        }
      }
    }
  }
  // The other loops: a NaN in z reaches the same m and h, and the curvature sums, in both.
  for (const [op, make] of OPS.filter(([name]) => !isUpdate(name))) {
    const s = data(n, 8);
    s.z[chunk + 2] = NaN;
    const r = both(s, make(PARAMS[1]));
    if (op !== 'momentum') assert.ok(Number.isNaN(r.jsOut) && Number.isNaN(r.simdOut), `${op}: NaN sum`);
    for (const key of ['m', 'h'] as const) {
      for (let j = 0; j < n; j++) {
        if (!sameOrBothNaN(r.simd[key][j], r.js[key][j])) assert.fail(`${op}, NaN in z: ${key}[${j}] ${r.simd[key][j]} vs ${r.js[key][j]}`);
      }
    }
  }
  // And finite data stays finite, with the probe adding exactly 0 (the bytes test above compares the numbers).
  setHeleneUpdateKernel('auto');
  const d = data(n, 6);
  assert.ok(Number.isFinite(momentumUpdate(d.theta, d.m, d.h, d.z, 0.9, 0.3, LAMBDA, 1e-3, 1, 1e-8, 0)));
});
