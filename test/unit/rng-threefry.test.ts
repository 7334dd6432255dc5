import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threefry2x32, threefry2x32_13 } from '../../runtime/rng/threefry';

// Known-answer vectors of Threefry-2x32-20 from Random123's kat_vectors (threefry2x32_20 lines).
const KATS: ReadonlyArray<{ ctr: [number, number]; key: [number, number]; out: [number, number] }> = [
  { ctr: [0x00000000, 0x00000000], key: [0x00000000, 0x00000000], out: [0x6b200159, 0x99ba4efe] },
  { ctr: [0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], out: [0x1cb996fc, 0xbb002be7] },
  { ctr: [0x243f6a88, 0x85a308d3], key: [0x13198a2e, 0x03707344], out: [0xc4923a9c, 0x483df7a0] },
];

test('threefry2x32 reproduces the Random123 known-answer vectors', () => {
  const out = new Uint32Array(2);
  for (const { ctr, key, out: expected } of KATS) {
    threefry2x32(ctr[0], ctr[1], key[0], key[1], out);
    assert.deepEqual(Array.from(out), expected, `ctr ${ctr.map((w) => w.toString(16))}`);
  }
});

test('threefry2x32 writes at outIndex and leaves the rest of the buffer alone', () => {
  const out = new Uint32Array([7, 7, 7, 7]);
  threefry2x32(0, 0, 0, 0, out, 1);
  assert.deepEqual(Array.from(out), [7, 0x6b200159, 0x99ba4efe, 7]);
});

test('threefry2x32 takes its inputs modulo 2^32 (negative int32 = the same uint32)', () => {
  const a = new Uint32Array(2);
  const b = new Uint32Array(2);
  threefry2x32(-1, -1, -1, -1, a);
  threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, b);
  assert.deepEqual(Array.from(a), Array.from(b));
});

test('one flipped input bit changes about half of the output bits (avalanche)', () => {
  const base = new Uint32Array(2);
  const flipped = new Uint32Array(2);
  let changed = 0;
  let trials = 0;
  for (let i = 0; i < 64; i++) {
    threefry2x32(i, 0, 0x1234, 0x5678, base);
    for (let bit = 0; bit < 32; bit++) {
      threefry2x32(i ^ (1 << bit), 0, 0x1234, 0x5678, flipped);
      changed += popcount(base[0]! ^ flipped[0]!) + popcount(base[1]! ^ flipped[1]!);
      trials += 64;
    }
  }
  // 131072 output bits, each flips with p = 1/2: sd = 0.0014 of the fraction.
  assert.ok(Math.abs(changed / trials - 0.5) < 0.01, `fraction ${changed / trials}`);
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) n += v & 1;
  return n;
}

// Threefry-2x32-13 (the z stream's generator) against Random123's kat_vectors (threefry2x32_13 lines).
const KATS_13: ReadonlyArray<{ ctr: [number, number]; key: [number, number]; out: [number, number] }> = [
  { ctr: [0x00000000, 0x00000000], key: [0x00000000, 0x00000000], out: [0x9d1c5ec6, 0x8bd50731] },
  { ctr: [0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], out: [0xfd36d048, 0x2d17272c] },
  { ctr: [0x243f6a88, 0x85a308d3], key: [0x13198a2e, 0x03707344], out: [0xba3e4725, 0xf27d669e] },
];

test('threefry2x32_13 reproduces the Random123 known-answer vectors', () => {
  const out = new Uint32Array(2);
  for (const { ctr, key, out: expected } of KATS_13) {
    threefry2x32_13(ctr[0], ctr[1], key[0], key[1], out);
    assert.deepEqual(Array.from(out), expected, `ctr ${ctr.map((w) => w.toString(16))}`);
  }
});
