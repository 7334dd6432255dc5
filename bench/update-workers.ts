/**
 * Issue 17: is MeZO's element-wise update (mezo.ts sgdUpdate: read z and theta, write theta) faster
 * on worker threads over disjoint slices? onnxruntime-node refuses SharedArrayBuffer inputs, so the
 * theta it reads cannot be the memory workers write. The layouts measured, per update of n elements:
 *   inline        today: this thread runs sgdUpdate over theta (ORT's buffer)
 *   shared+copy   theta's master copy and z in SharedArrayBuffers; the workers update their slices
 *                 of it; this thread then copies it into ORT's theta (one memcpy per step)
 *   shared+2copy  the same, but theta is first copied in from ORT's buffer (no master copy to keep
 *                 in step with restores and resumes): two memcpys per step
 *   transfer      ORT's theta and z ArrayBuffers (one per worker, as whole layers would be) are
 *                 transferred to the workers and back (no copy; new views and ort.Tensors per step)
 * Every layout's theta is checked bit-equal to inline's. Minimum and median of `rounds`.
 * Run: node --import tsx bench/update-workers.ts [n in millions, default 1,10] [rounds, default 15]
 */
import { Worker } from 'node:worker_threads';
import { sgdUpdate } from '../runtime/optim/mezo';
import { median } from './stats';

const sizes = (process.argv[2] ?? '1,10').split(',').map((m) => Math.round(Number(m) * 1e6));
const rounds = Number(process.argv[3] ?? 15);
const WORKERS = 2;
const LR = 1e-3;
const C = 0.37;
const WD = 0.01;

// The worker runs the very same kernel source (sgdUpdate.toString()), so its bits are inline's.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const sgdUpdate = ${sgdUpdate.toString()};
parentPort.on('message', (m) => {
  if (m.kind === 'shared') {
    const theta = new Float32Array(m.theta, m.start * 4, m.end - m.start);
    const z = new Float32Array(m.z, m.start * 4, m.end - m.start);
    parentPort.postMessage({ sq: sgdUpdate(theta, z, m.lr, m.c, m.wd) });
  } else {
    const theta = new Float32Array(m.theta);
    const z = new Float32Array(m.z);
    const sq = sgdUpdate(theta, z, m.lr, m.c, m.wd);
    parentPort.postMessage({ sq, theta: m.theta, z: m.z }, [m.theta, m.z]);
  }
});`;

class Pool {
  readonly workers = Array.from({ length: WORKERS }, () => new Worker(workerSource, { eval: true }));
  call(i: number, message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.workers[i]!.once('message', resolve);
      this.workers[i]!.postMessage(message, transfer);
    });
  }
  close(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function filled(n: number, f: (j: number) => number, shared = false): Float32Array {
  const a = shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
  for (let j = 0; j < n; j++) a[j] = f(j);
  return a;
}

async function measure(n: number, pool: Pool): Promise<void> {
  const theta0 = filled(n, (j) => Math.sin(j));
  const z = filled(n, (j) => Math.cos(1.7 * j));
  const bounds = Array.from({ length: WORKERS + 1 }, (_, k) => Math.round((k * n) / WORKERS / 64) * 64);
  bounds[WORKERS] = n;
  const expected = Float32Array.from(theta0);
  sgdUpdate(expected, z, LR, C, WD);

  const inlineTheta = Float32Array.from(theta0);
  const inline = async () => {
    inlineTheta.set(theta0);
    const t0 = performance.now();
    sgdUpdate(inlineTheta, z, LR, C, WD);
    return { ms: performance.now() - t0, out: inlineTheta };
  };

  const ortTheta = new Float32Array(n);
  const masterS = filled(n, () => 0, true);
  const zS = filled(n, (j) => z[j]!, true);
  const shared = (copyIn: boolean) => async () => {
    masterS.set(theta0);
    ortTheta.set(theta0);
    const t0 = performance.now();
    if (copyIn) masterS.set(ortTheta);
    await Promise.all(pool.workers.map((_, k) => pool.call(k, { kind: 'shared', theta: masterS.buffer, z: zS.buffer, start: bounds[k], end: bounds[k + 1], lr: LR, c: C, wd: WD })));
    ortTheta.set(masterS);
    return { ms: performance.now() - t0, out: ortTheta };
  };

  // transfer: one ArrayBuffer per worker (as whole layers would be split between workers).
  let halves = bounds.slice(0, WORKERS).map((s, k) => ({ theta: theta0.slice(s, bounds[k + 1]), z: z.slice(s, bounds[k + 1]) }));
  const transfer = async () => {
    halves.forEach((h, k) => h.theta.set(theta0.subarray(bounds[k], bounds[k + 1])));
    const t0 = performance.now();
    const back = await Promise.all(halves.map((h, k) => pool.call(k, { kind: 'transfer', theta: h.theta.buffer, z: h.z.buffer, lr: LR, c: C, wd: WD }, [h.theta.buffer as ArrayBuffer, h.z.buffer as ArrayBuffer])));
    halves = back.map((m) => ({ theta: new Float32Array(m.theta as ArrayBuffer), z: new Float32Array(m.z as ArrayBuffer) }));
    const ms = performance.now() - t0;
    const out = new Float32Array(n);
    halves.forEach((h, k) => out.set(h.theta, bounds[k]));
    return { ms, out };
  };

  const layouts: [string, () => Promise<{ ms: number; out: Float32Array }>][] = [
    ['inline', inline],
    ['shared+copy', shared(false)],
    ['shared+2copy', shared(true)],
    ['transfer', transfer],
  ];
  const times = new Map(layouts.map(([name]) => [name, [] as number[]]));
  for (let r = 0; r < rounds + 2; r++) {
    for (const [name, run] of layouts) {
      const { ms, out } = await run();
      if (r === 0 && !out.every((v, j) => Object.is(v, expected[j]))) throw new Error(`${name}: theta differs from the inline update`);
      if (r >= 2) times.get(name)!.push(ms);
    }
  }
  const base = median(times.get('inline')!);
  for (const [name] of layouts) {
    const t = times.get(name)!;
    console.log(`n ${(n / 1e6).toFixed(0).padStart(3)}M  ${name.padEnd(13)} median ${median(t).toFixed(2).padStart(7)} ms  min ${Math.min(...t).toFixed(2).padStart(7)} ms  ${(median(t) / base).toFixed(2)}× inline  ${((median(t) * 1e6) / n).toFixed(2)} ns/element`);
  }
}

async function main(): Promise<void> {
  const pool = new Pool();
  for (const n of sizes) await measure(n, pool);
  await pool.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
