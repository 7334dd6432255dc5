import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillRademacher, rademacherAt } from '../../runtime/rng/rademacher';
import { rademacherKey, seedFromNumber, stepSeed } from '../../runtime/rng/seeds';
import { threefry2x32 } from '../../runtime/rng/threefry';

const STEP = stepSeed(seedFromNumber(99), 1);
const KEY = rademacherKey(STEP, 0, 0);

test('u_j is bit (j mod 32) of word (j mod 64) >= 32 of threefry((floor(j/64), 0), key); set bit = -1', () => {
  const out = new Float32Array(256);
  fillRademacher(KEY, out);
  const words = new Uint32Array(2);
  for (let j = 0; j < 256; j++) {
    threefry2x32(Math.floor(j / 64), 0, KEY.key0, KEY.key1, words);
    const bit = (words[(j & 63) >> 5]! >>> (j & 31)) & 1;
    assert.equal(out[j], bit ? -1 : 1, `element ${j}`);
    assert.equal(rademacherAt(KEY, j), out[j]);
  }
});

test('chunked Rademacher generation at unaligned boundaries equals whole generation', () => {
  const n = 100_003;
  const whole = new Float32Array(n);
  fillRademacher(KEY, whole);
  const pieces = new Float32Array(n);
  for (let j0 = 0, size = 1; j0 < n; j0 += size, size = (size * 7 + 3) % 997 + 1) {
    const j1 = Math.min(n, j0 + size);
    const chunk = new Float32Array(j1 - j0);
    fillRademacher(KEY, chunk, j0, j1, j0);
    pieces.set(chunk, j0);
  }
  assert.deepEqual(pieces, whole);
});

test('Rademacher values are +-1, balanced, and differ across directions and layers', () => {
  const n = 1_000_000;
  const u = new Float32Array(n);
  fillRademacher(KEY, u);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(u[i] === 1 || u[i] === -1);
    sum += u[i]!;
  }
  // Sum of n fair +-1: sd sqrt(n) = 1000; 5 sd.
  assert.ok(Math.abs(sum) < 5 * Math.sqrt(n), `sum ${sum}`);
  for (const other of [rademacherKey(STEP, 1, 0), rademacherKey(STEP, 0, 1)]) {
    const v = new Float32Array(n);
    fillRademacher(other, v);
    let dot = 0;
    for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
    assert.ok(Math.abs(dot) < 5 * Math.sqrt(n), `dot ${dot}`);
  }
});
