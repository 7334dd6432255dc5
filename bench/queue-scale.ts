/**
 * Measures a queue-backed sweep over 1, 2 and 4 local workers (docs/scale-out.md): a 20-run sweep of
 * the scaffolded demo (small runs), wall time from submit to the sweep command's exit, and a check
 * that every run folder is complete (run.json, summary finished at the planned step, the final
 * checkpoint, metrics up to the last step). Then the kill-a-worker case: 2 workers, one SIGKILLed
 * with its child mid-run; the run is resumed elsewhere and compared bit for bit with a run in one go.
 * Usage: npm run build && npx tsx bench/queue-scale.ts [--steps 2000] [--runs 20]
 * Needs redis-server on PATH (a private one is started on 127.0.0.1 at a free port).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { readRunFolderSync } from '../runtime/run/run-reader';
import { listCheckpoints, loadLatestCheckpoint } from '../runtime/run/checkpoint';
import { startRedisServer } from '../test/runtime/redis-server';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const STEPS = arg('steps', 2000);
const RUNS = arg('runs', 20);
const env = { ...process.env, HELENE_QUEUE_LOCK_MS: '2000' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function worker(url: string, runsDir: string, id: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'worker', '--queue', url, '--runs-dir', runsDir, '--worker-id', id], { stdio: 'ignore', env });
}

async function stop(ws: ChildProcess[]): Promise<void> {
  await Promise.all(ws.map((w) => new Promise<void>((resolve) => {
    if (w.exitCode !== null || w.signalCode !== null) return resolve();
    w.once('exit', () => resolve());
    w.kill('SIGTERM');
  })));
}

function intact(runsDir: string, ids: string[], steps: number): string[] {
  const problems: string[] = [];
  for (const id of ids) {
    const dir = path.join(runsDir, id);
    try {
      const snap = readRunFolderSync(dir);
      if (!snap.manifest) problems.push(`${id}: no run.json`);
      if (snap.summary?.state !== 'finished' || snap.summary.steps !== steps) problems.push(`${id}: summary ${snap.summary?.state} at ${snap.summary?.steps}`);
      const last = snap.records.filter((r) => r.kind === 'step').pop();
      if (!last || last.t !== steps) problems.push(`${id}: last step record ${last?.t}`);
      if (!listCheckpoints(dir).some((c) => c.step === steps)) problems.push(`${id}: no final checkpoint`);
    } catch (e) {
      problems.push(`${id}: ${(e as Error).message}`);
    }
  }
  return problems;
}

function sweep(url: string, config: string, id: string, steps: number, runs: number, extra: string[] = []): Promise<{ code: number | null; out: string; seconds: number }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [CLI, 'sweep', '--queue', url, '--config', config, '--grid', `seed=${Array.from({ length: runs }, (_, i) => i + 1).join(',')}`, '--steps', String(steps), '--sweep-id', id, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (b) => (out += b));
  p.stderr!.on('data', (b) => (out += b));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, out, seconds: (performance.now() - t0) / 1000 })));
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-qscale-'));
  const ws = path.join(root, 'ws');
  spawnSync(process.execPath, [CLI, 'scaffold', ws]);
  const config = path.join(ws, 'helene.helene.json');
  const redis = await startRedisServer();
  console.log(`queue scale-out: ${RUNS}-run sweep, ${STEPS} steps each (demo MLP, HELENE), ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| workers | wall s | runs intact | load (1 min) before |');
  console.log('|---:|---:|---:|---:|');
  try {
    for (const n of [1, 2, 4]) {
      const shared = path.join(root, `shared-${n}`);
      const load = os.loadavg()[0];
      const ws2 = Array.from({ length: n }, (_, i) => worker(redis.url, shared, `w${n}-${i + 1}`));
      await sleep(1500); // workers connected before the clock starts
      const r = await sweep(redis.url, config, `scale${n}`, STEPS, RUNS);
      await stop(ws2);
      const ids = Array.from({ length: RUNS }, (_, i) => `scale${n}-${String(i + 1).padStart(2, '0')}`);
      const problems = intact(shared, ids, STEPS);
      console.log(`| ${n} | ${r.seconds.toFixed(1)} | ${RUNS - new Set(problems.map((p) => p.split(':')[0])).size}/${RUNS}${r.code === 0 ? '' : ` (exit ${r.code})`} | ${load.toFixed(1)} |`);
      for (const p of problems) console.log(`  problem: ${p}`);
    }

    // Kill a worker: 2 workers, 4 longer runs; SIGKILL the first worker and its child once a run has a checkpoint.
    const killSteps = 8000;
    const shared = path.join(root, 'shared-kill');
    const ws2 = [worker(redis.url, shared, 'victim'), worker(redis.url, shared, 'survivor')];
    await sleep(1500);
    const client = new Redis(redis.url);
    const pending = sweep(redis.url, config, 'kill', killSteps, 4, ['--set', 'checkpoint.every=500']);
    let killed = '';
    for (let i = 0; i < 600 && !killed; i++) {
      await sleep(50);
      const info = JSON.parse((await client.get('helene:worker:victim')) ?? '{}') as { running?: string[] };
      const runId = info.running?.[0];
      if (!runId) continue;
      const dir = path.join(shared, runId);
      try {
        const st = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as { step: number; pid: number };
        if (st.step >= 2000 && listCheckpoints(dir).length) {
          ws2[0].kill('SIGKILL');
          process.kill(st.pid, 'SIGKILL');
          killed = `${runId} at step ${st.step}`;
        }
      } catch {
        // not started yet
      }
    }
    client.disconnect();
    const r = await pending;
    await stop(ws2);
    const ids = ['kill-01', 'kill-02', 'kill-03', 'kill-04'];
    const problems = intact(shared, ids, killSteps);
    const resumedLine = r.out.split('\n').find((l) => /resumed from step/.test(l)) ?? '(no resumed run reported)';
    console.log(`\nkill a worker: 2 workers, 4 runs of ${killSteps} steps; SIGKILL of worker "victim" and its train child, ${killed}`);
    console.log(`  sweep exit ${r.code} in ${r.seconds.toFixed(1)} s; ${resumedLine.trim()}; runs intact ${4 - new Set(problems.map((p) => p.split(':')[0])).size}/4`);
    const runId = killed.split(' ')[0];
    if (runId) {
      const seed = Number(runId.split('-')[1]);
      const ref = path.join(root, 'ref');
      spawnSync(process.execPath, [CLI, 'train', '--config', config, '--steps', String(killSteps), '--set', 'checkpoint.every=500', '--set', `seed=${seed}`, '--runs-dir', ref, '--run-id', 'ref', '--quiet']);
      const a = loadLatestCheckpoint(path.join(shared, runId))!.data.tensors;
      const b = loadLatestCheckpoint(path.join(ref, 'ref'))!.data.tensors;
      const same = [...a].every(([k, v]) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(b.get(k)!.buffer, b.get(k)!.byteOffset, b.get(k)!.byteLength)));
      console.log(`  resumed run vs the same run in one go: final weights and optimizer state ${same ? 'identical bit for bit' : 'DIFFER'} (${a.size} tensors)`);
    }
    console.log(`load after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await redis.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
