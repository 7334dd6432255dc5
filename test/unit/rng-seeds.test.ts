import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveSeed,
  layerKey,
  rademacherKey,
  seedFromConfig,
  seedFromHex,
  seedFromNumber,
  seedFromText,
  seedToHex,
  stepSeed,
  zKey,
  TAG_STEP,
  type Seed64,
} from '../../runtime/rng/seeds';
import { threefry2x32 } from '../../runtime/rng/threefry';

test('hex encoding is 0x + 16 digits and round-trips', () => {
  const seeds: Seed64[] = [
    { hi: 0, lo: 0 },
    { hi: 0xffffffff, lo: 0xffffffff },
    { hi: 0x01234567, lo: 0x89abcdef },
  ];
  assert.equal(seedToHex(seeds[2]!), '0x0123456789abcdef');
  assert.equal(seedToHex(seeds[0]!), '0x0000000000000000');
  for (const s of seeds) assert.deepEqual(seedFromHex(seedToHex(s)), s);
  assert.deepEqual(seedFromHex('ff'), { hi: 0, lo: 255 });
  assert.throws(() => seedFromHex('0x12345678901234567'), SyntaxError);
  assert.throws(() => seedFromHex('0xzz'), SyntaxError);
});

test('numeric seeds split into exact halves; bad numbers are refused', () => {
  assert.deepEqual(seedFromNumber(42), { hi: 0, lo: 42 });
  assert.deepEqual(seedFromNumber(2 ** 32 + 5), { hi: 1, lo: 5 });
  assert.deepEqual(seedFromNumber(Number.MAX_SAFE_INTEGER), { hi: 0x1fffff, lo: 0xffffffff });
  assert.throws(() => seedFromNumber(-1), RangeError);
  assert.throws(() => seedFromNumber(1.5), RangeError);
  assert.throws(() => seedFromNumber(2 ** 53), RangeError);
});

test('config seeds: number, 0x-hex, decimal string up to 2^64-1, and free text', () => {
  assert.deepEqual(seedFromConfig(7), { hi: 0, lo: 7 });
  assert.deepEqual(seedFromConfig('0xDEADBEEF00000001'), { hi: 0xdeadbeef, lo: 1 });
  assert.deepEqual(seedFromConfig('18446744073709551615'), { hi: 0xffffffff, lo: 0xffffffff });
  assert.deepEqual(seedFromConfig('4294967296'), { hi: 1, lo: 0 });
  assert.deepEqual(seedFromConfig('7'), seedFromConfig(7));
  assert.throws(() => seedFromConfig('18446744073709551616'), RangeError);
  const a = seedFromConfig('my run');
  assert.deepEqual(a, seedFromText('my run'));
  assert.deepEqual(seedFromConfig('my run'), a, 'text seeds are stable');
  assert.notDeepEqual(seedFromText('my run'), seedFromText('my run '));
  assert.notDeepEqual(seedFromText('a'), seedFromText('a\u0000'));
  assert.notDeepEqual(seedFromText(''), seedFromText('\u0000'));
});

test('step seed is Threefry of counter (t, TAG_STEP) under the run seed', () => {
  const run = { hi: 0x01234567, lo: 0x89abcdef };
  const out = new Uint32Array(2);
  threefry2x32(5, TAG_STEP, run.lo, run.hi, out);
  assert.deepEqual(stepSeed(run, 5), { hi: out[1], lo: out[0] });
  assert.deepEqual(stepSeed(run, 5), deriveSeed(run, TAG_STEP, 5));
});

test('step seeds are deterministic and distinct across steps and runs', () => {
  const seen = new Set<string>();
  for (const runSeed of [0, 1, 2]) {
    const run = seedFromNumber(runSeed);
    for (let t = 1; t <= 500; t++) seen.add(seedToHex(stepSeed(run, t)));
  }
  assert.equal(seen.size, 1500);
  assert.deepEqual(stepSeed(seedFromNumber(1), 10), stepSeed(seedFromNumber(1), 10));
  assert.throws(() => stepSeed(seedFromNumber(1), -1), RangeError);
  assert.throws(() => stepSeed(seedFromNumber(1), 2 ** 32), RangeError);
});

test('layer keys differ across layers, streams and directions', () => {
  const step = stepSeed(seedFromNumber(3), 1);
  const keys = new Set<string>();
  for (let layer = 0; layer < 50; layer++) {
    keys.add(JSON.stringify(zKey(step, layer)));
    for (let n = 0; n < 8; n++) keys.add(JSON.stringify(rademacherKey(step, n, layer)));
  }
  assert.equal(keys.size, 50 * 9);
  assert.deepEqual(layerKey(step, 4), zKey(step, 4));
  assert.deepEqual(layerKey(step, 4, 'rademacher', 2), rademacherKey(step, 2, 4));
  const k = zKey(step, 0);
  assert.ok(Number.isInteger(k.key0) && k.key0 >= 0 && k.key0 < 2 ** 32);
  assert.ok(Number.isInteger(k.key1) && k.key1 >= 0 && k.key1 < 2 ** 32);
  assert.throws(() => layerKey(step, 0, 'z', 1), RangeError);
  assert.throws(() => rademacherKey(step, 2 ** 24, 0), RangeError);
  assert.throws(() => zKey(step, -1), RangeError);
});
