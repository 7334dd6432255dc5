import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KernelPool, allocShared, isShared } from '../../runtime/rng/kernel-pool';
import { fillNormal } from '../../runtime/rng/normal';
import { fillRademacher } from '../../runtime/rng/rademacher';
import { rademacherKey, seedFromNumber, stepSeed, zKey } from '../../runtime/rng/seeds';

const STEP = stepSeed(seedFromNumber(5), 3);
const Z_KEY = zKey(STEP, 2);
const U_KEY = rademacherKey(STEP, 1, 2);
const N = 300_007; // not a multiple of the 64-element chunk alignment
const REPO = path.resolve(__dirname, '../..');

function inline(kind: 'normal' | 'rademacher', n: number): Float32Array {
  const out = new Float32Array(n);
  if (kind === 'normal') fillNormal(Z_KEY, out);
  else fillRademacher(U_KEY, out);
  return out;
}

test('allocShared gives a zeroed Float32Array over a SharedArrayBuffer', () => {
  const a = allocShared(10);
  assert.equal(a.length, 10);
  assert.ok(isShared(a));
  assert.ok(a.every((v) => v === 0));
  assert.ok(!isShared(new Float32Array(10)));
});

test('pools with 1, 2 and 3 threads fill bit-identically to the inline functions', async () => {
  const expectedZ = inline('normal', N);
  const expectedU = inline('rademacher', N);
  for (const threads of [1, 2, 3]) {
    const pool = new KernelPool(threads, { minParallelElements: 1000 });
    try {
      assert.equal(pool.threads, threads === 1 ? 0 : threads);
      const z = allocShared(N);
      const u = allocShared(N);
      await Promise.all([pool.fillNormal(Z_KEY, z), pool.fillRademacher(U_KEY, u)]);
      assert.deepEqual(z, expectedZ, `normal, ${threads} threads`);
      assert.deepEqual(u, expectedU, `rademacher, ${threads} threads`);

      // A sub-range of the layer into its own shared chunk buffer (element j at chunk[j - j0]).
      const j0 = 12_345;
      const j1 = 250_001;
      const chunk = allocShared(j1 - j0);
      await pool.fillNormal(Z_KEY, chunk, j0, j1, j0);
      assert.deepEqual(chunk, expectedZ.subarray(j0, j1), `normal chunk, ${threads} threads`);
    } finally {
      await pool.close();
    }
  }
});

test('a buffer that is not shared is filled inline, with the same result', async () => {
  const pool = new KernelPool(2, { minParallelElements: 1000 });
  try {
    const plain = new Float32Array(N);
    await pool.fillNormal(Z_KEY, plain);
    assert.deepEqual(plain, inline('normal', N));
  } finally {
    await pool.close();
  }
});

test('a closed pool rejects new jobs; close is idempotent; bad ranges reject', async () => {
  const pool = new KernelPool(2);
  await assert.rejects(pool.fillNormal(Z_KEY, allocShared(10), 0, 11), RangeError);
  await pool.close();
  await pool.close();
  await assert.rejects(pool.fillNormal(Z_KEY, allocShared(10)), /closed/);
  assert.throws(() => new KernelPool(-1), RangeError);
});

test('a worker that dies makes its jobs reject instead of hanging', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rng-pool-'));
  try {
    const broken = path.join(dir, 'broken-worker.js');
    writeFileSync(broken, "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
    const pool = new KernelPool(2, { workerPath: broken, minParallelElements: 1 });
    await assert.rejects(pool.fillNormal(Z_KEY, allocShared(1000)), /exited with code 3/);
    await pool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A script that fills with a 2-thread pool, checks against inline, prints "ok", and (unless
 * `closePool` is false) closes the pool. The process must then exit on its own.
 */
function poolScript(modulePath: (name: string) => string, closePool: boolean): string {
  return `
const { KernelPool, allocShared } = require(${JSON.stringify(modulePath('kernel-pool'))});
const { fillNormal } = require(${JSON.stringify(modulePath('normal'))});
(async () => {
  const pool = new KernelPool(2, { minParallelElements: 1000 });
  const key = { key0: 123, key1: 0xdeadbeef };
  const z = allocShared(100000);
  await pool.fillNormal(key, z);
  const ref = new Float32Array(100000);
  fillNormal(key, ref);
  for (let i = 0; i < ref.length; i++) if (z[i] !== ref[i]) throw new Error('mismatch at ' + i);
  ${closePool ? 'await pool.close();' : ''}
  console.log('ok');
})();
`;
}

test('an idle pool does not keep the process alive (closed or not), under tsx', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rng-pool-'));
  try {
    for (const closePool of [true, false]) {
      const script = path.join(dir, `exit-${closePool}.ts`);
      writeFileSync(script, poolScript((name) => path.join(REPO, 'runtime/rng', `${name}.ts`), closePool));
      const result = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, encoding: 'utf8', timeout: 15_000 });
      assert.equal(result.status, 0, `closePool=${closePool}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), 'ok');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('from an esbuild bundle, the pool runs dist/kernel-worker.js next to it (plain node, no tsx)', async () => {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(path.join(tmpdir(), 'rng-bundle-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    writeFileSync(entry, poolScript((name) => path.join(REPO, 'runtime/rng', name), true));
    // The same layout as the real build: cli.js and kernel-worker.js side by side in one folder.
    esbuild.buildSync({
      entryPoints: { cli: entry, 'kernel-worker': path.join(REPO, 'runtime/rng/kernel-worker.ts') },
      outdir: path.join(dir, 'dist'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    });
    const result = spawnSync(process.execPath, [path.join(dir, 'dist', 'cli.js')], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runInBackground: a normal-layers job fills every layer of one shared buffer with the bits fillNormal gives it; no worker starts before first use', async () => {
  const sizes = [5, 70_000, 1, 128];
  const bounds = Int32Array.from([0, ...sizes.map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b, 0))]);
  const keys = new Uint32Array(2 * sizes.length);
  sizes.forEach((_, i) => {
    const k = zKey(STEP, i);
    keys[2 * i] = k.key0 >>> 0;
    keys[2 * i + 1] = k.key1 >>> 0;
  });
  const out = allocShared(bounds[sizes.length]!);
  const idle = new KernelPool(0);
  await assert.rejects(idle.runInBackground({ kind: 'normal-layers', keys, out, bounds }), /no background worker/);
  const pool = new KernelPool(0, { background: true });
  assert.equal(pool.hasBackground, true);
  try {
    await pool.runInBackground({ kind: 'normal-layers', keys, out, bounds });
  } finally {
    await pool.close();
  }
  sizes.forEach((n, i) => {
    const expected = new Float32Array(n);
    fillNormal(zKey(STEP, i), expected);
    assert.deepEqual(out.subarray(bounds[i]!, bounds[i + 1]!), expected, `layer ${i}`);
  });
  await assert.rejects(pool.runInBackground({ kind: 'normal-layers', keys, out, bounds }), /closed/);
});
