/**
 * MeZO's update on the WebAssembly SIMD kernel (sgd-update-simd.wat) against the JS loop it replaces
 * (mezo.ts sgdUpdate with HELENE_UPDATE_KERNEL's 'js'): the same θ bytes and the same returned
 * |update|², for every size around the vector width, the JS threshold and the kernel's chunk size,
 * and the same verdict of the folded finiteness probe.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { sgdUpdate } from '../../runtime/optim/mezo';
import { SIMD_UPDATE_MIN_ELEMENTS, loadSgdUpdateSimd, setSgdUpdateKernel, sgdUpdateKernel } from '../../runtime/optim/sgd-update-simd';

after(() => setSgdUpdateKernel('auto'));

/** Deterministic test data (not the RNG under test): theta ~ 0.1 scale, z ~ unit scale. */
function data(n: number, seed: number): { theta: Float32Array; z: Float32Array } {
  const theta = new Float32Array(n);
  const z = new Float32Array(n);
  let s = seed >>> 0;
  const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let j = 0; j < n; j++) {
    theta[j] = next() * 0.1;
    z[j] = next() * 2.5;
  }
  return { theta, z };
}

function run(kernel: 'js' | 'auto', theta: Float32Array, z: Float32Array, lr: number, c: number, decay: number): { theta: Float32Array; sq: number } {
  assert.equal(setSgdUpdateKernel(kernel), kernel === 'js' ? 'js' : 'simd');
  const out = theta.slice();
  const sq = sgdUpdate(out, z, lr, c, decay);
  return { theta: out, sq };
}

function sameBytes(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)), 0, what);
}

test('the SIMD update kernel loads on this Node (else the tests below would compare the JS loop with itself)', () => {
  assert.ok(loadSgdUpdateSimd() !== undefined);
  assert.equal(setSgdUpdateKernel('auto'), 'simd');
  assert.ok(sgdUpdateKernel() !== undefined);
});

test('θ bytes and the squared norm equal the JS loop for every size and hyperparameter set', () => {
  const sizes = [0, 1, 3, 4, 5, 255, 256, 257, 258, 259, 1023, 65_535, 65_536, 65_537, 65_539, 200_003];
  const params: Array<[number, number, number]> = [
    [1e-3, 0.37, 0.01],
    [1e-4, -12.5, 0],
    [0.5, 1e-7, 0.1],
    [3e-5, 250, 1e-4],
  ];
  for (const n of sizes) {
    for (const [lr, c, decay] of params) {
      const { theta, z } = data(n, n * 31 + 7);
      const js = run('js', theta, z, lr, c, decay);
      const simd = run('auto', theta, z, lr, c, decay);
      const what = `n ${n}, lr ${lr}, c ${c}, decay ${decay}`;
      sameBytes(simd.theta, js.theta, `${what}: θ`);
      assert.ok(Object.is(simd.sq, js.sq), `${what}: |update|² ${simd.sq} vs ${js.sq}`);
      if (n >= SIMD_UPDATE_MIN_ELEMENTS) assert.notEqual(Buffer.compare(Buffer.from(simd.theta.buffer), Buffer.from(theta.buffer)), 0, `${what}: θ moved`);
    }
  }
});

test('ten chained steps stay bit-identical (each step reads the θ the previous one stored)', () => {
  const n = 70_001;
  const { theta, z } = data(n, 99);
  let js: Float32Array = theta.slice();
  let simd: Float32Array = theta.slice();
  for (let step = 0; step < 10; step++) {
    const c = (step - 4.5) * 0.8;
    js = run('js', js, z, 2e-3, c, 0.05).theta;
    simd = run('auto', simd, z, 2e-3, c, 0.05).theta;
  }
  sameBytes(simd, js, 'after 10 steps');
});

test('a non-finite θ, z or overflow makes the result non-finite exactly as in the JS loop', () => {
  const n = 66_000; // two kernel calls: the bad value in the second one must still show
  const cases: Array<[string, (d: { theta: Float32Array; z: Float32Array }) => void, number]> = [
    ['NaN in z', (d) => { d.z[65_999] = NaN; }, 1e-3],
    ['Infinity in θ', (d) => { d.theta[70] = Infinity; }, 1e-3],
    ['NaN in θ in the scalar tail', (d) => { d.theta[n - 1] = NaN; }, 1e-3],
    ['overflow to ±Inf when stored as float32', (d) => { d.theta[40_000] = 3e38; d.z[40_000] = -1; }, 1e38],
  ];
  for (const [name, spoil, lr] of cases) {
    const d = data(n, 5);
    spoil(d);
    const js = run('js', d.theta, d.z, lr, 1, 0);
    const simd = run('auto', d.theta, d.z, lr, 1, 0);
    assert.ok(!Number.isFinite(js.sq), `${name}: the JS probe fires`);
    assert.ok(!Number.isFinite(simd.sq), `${name}: the kernel's probe fires`);
    // Stored values agree (NaN compared as NaN: its payload is not part of the contract).
    for (let j = 0; j < n; j++) {
      if (!Object.is(simd.theta[j], js.theta[j]) && !(Number.isNaN(simd.theta[j]) && Number.isNaN(js.theta[j]))) {
        assert.fail(`${name}: θ[${j}] ${simd.theta[j]} vs ${js.theta[j]}`);
      }
    }
  }
  // And finite data stays finite, with the probe adding exactly 0.
  const d = data(n, 6);
  assert.ok(Number.isFinite(run('auto', d.theta, d.z, 1e-3, 1, 0).sq));
});
