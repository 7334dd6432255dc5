/**
 * engine.resident with the state held as on WebGPU (HELENE_RESIDENT_STATE=device on the CPU EP: each
 * z / update run hands back new tensors, the host arrays are stale between downloads). What a WebGPU
 * run relies on, tested on the code path it runs:
 * - checkpoints and layer statistics download θ, m, h, λ first (else they would hold the start values),
 *   and only then: a few downloads per run, not one per step;
 * - HELENE's per-layer curvature (h mean / min / max / median, floor fraction) is in the layer records;
 * - the run equals the host-mode resident run bit for bit (records and checkpoint tensors);
 * - a real SIGKILL, then resume (the checkpoint's arrays become the state again), ends bit for bit
 *   where an uninterrupted device-state run is at the same step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { listCheckpoints, loadCheckpointAt } from '../../runtime/run/checkpoint';
import { DEVICE_STATE_ENV } from '../../runtime/engine/resident/create-resident';
import { ResidentGraphs } from '../../runtime/engine/resident/resident-graphs';
import { seedFromNumber } from '../../runtime/rng/seeds';
import type { LayerStatsRecord, MetricRecord } from '../../runtime/protocol';
import { comparable, demoConfig, demoWorkspace, latestCheckpointTensors, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STEPS = 300;
const SETTINGS = [`steps=${STEPS}`, 'evalEvery=0', 'statsEvery=100', 'checkpoint.every=100', 'checkpoint.keep=10', 'engine.provider="cpu"', 'engine.resident=true'];

async function residentRun(deviceState: boolean): Promise<{ dir: string; downloads: number; location: string }> {
  if (deviceState) process.env[DEVICE_STATE_ENV] = 'device';
  try {
    const trainer = await Trainer.create(demoConfig('helene', SETTINGS));
    const graphs = (trainer as unknown as { optimizer: { graphs: ResidentGraphs } }).optimizer.graphs;
    assert.equal((await trainer.run()).state, 'finished');
    await trainer.close();
    return { dir: trainer.runDir, downloads: graphs.downloads, location: graphs.location };
  } finally {
    delete process.env[DEVICE_STATE_ENV];
  }
}

test('resident HELENE with device-held state: checkpoints and statistics download, equal to host mode bit for bit, a few downloads per run', async () => {
  const host = await residentRun(false);
  const device = await residentRun(true);
  assert.deepEqual([host.location, device.location], ['host', 'device']);
  const a = readRunFolderSync(host.dir);
  const b = readRunFolderSync(device.dir);
  assert.deepEqual(comparable(b.records), comparable(a.records), 'same metrics and layer statistics step for step');
  for (const step of [100, 200, 300]) {
    const [x, y] = [loadCheckpointAt(host.dir, step)!, loadCheckpointAt(device.dir, step)!];
    for (const [name, tensor] of x.data.tensors) assert.deepEqual(y.data.tensors.get(name), tensor, `checkpoint ${step}: ${name}`);
  }
  // Statistics at t = 1, 100, 200, 300; checkpoints at 100, 200 (scan before each) and the last step's
  // scan and final checkpoint: 8 downloads for 300 steps (the download itself skips nothing).
  assert.ok(device.downloads > 0 && device.downloads <= 10, `${device.downloads} downloads in ${STEPS} steps`);
  const layers = b.records.filter((r): r is LayerStatsRecord => r.kind === 'layers');
  assert.equal(layers.length, 4);
  for (const record of layers.slice(1)) {
    for (const l of record.layers) {
      assert.ok(Number.isFinite(l.hMean) && l.hMean! > 0, `${l.name} at ${record.t}: h mean ${l.hMean}`);
      assert.ok(l.hMin! <= l.hMedian! && l.hMedian! <= l.hMax!, `${l.name}: min ≤ median ≤ max`);
      assert.ok(l.floorFraction! >= 0 && l.floorFraction! <= 1 && Number.isFinite(l.mRms));
    }
  }
  console.log(`# device-held resident HELENE, ${STEPS} steps: ${device.downloads} downloads; equal to host mode bit for bit`);
});

/** Spawn a device-state CLI run, wait for a checkpoint at `step` or later, SIGKILL it. */
async function killAfterCheckpoint(args: string[], runDir: string, step: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args, '--quiet'], { stdio: 'ignore', env: { ...process.env, [DEVICE_STATE_ENV]: 'device' } });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 120_000;
  while (!listCheckpoints(runDir).some((c) => c.step >= step)) {
    if (Date.now() > deadline || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(listCheckpoints(runDir).some((c) => c.step === step), `${runDir} has its step-${step} checkpoint`);
}

test('device-held resident HELENE: SIGKILL after a checkpoint, resume, and step 1500 equals an uninterrupted run bit for bit', async () => {
  const runs = tempDir('resident-kill');
  const config = demoWorkspace().configs.helene;
  // 1,000,000 steps: every kill lands ~1,000 times earlier than the run's end, whatever the machine's speed.
  const settings = ['train', '--config', config, '--steps', '1000000', '--runs-dir', runs, ...['engine.resident=true', 'engine.provider="cpu"', 'checkpoint.every=500', 'checkpoint.keep=1000', 'evalEvery=0', 'statsEvery=250'].flatMap((s) => ['--set', s])];
  const straight = path.join(runs, 'straight');
  const victim = path.join(runs, 'victim');
  await killAfterCheckpoint([...settings, '--run-id', 'straight'], straight, 1500);
  await killAfterCheckpoint([...settings, '--run-id', 'victim'], victim, 500);
  const killed = readRunFolderSync(victim);
  assert.equal(killed.status?.state, 'interrupted');
  // The victim's newest checkpoint may be past 500 (the kill lands a few steps after it is seen): resume from 500.
  await killAfterCheckpoint(['resume', victim, '--from-step', '500'], victim, 1500);
  const upTo = (records: MetricRecord[]) => comparable(records.filter((r) => !('t' in r) || r.t <= 1500));
  const a = readRunFolderSync(straight);
  const b = readRunFolderSync(victim);
  assert.ok(b.records.some((r) => r.kind === 'event' && r.event === 'resumed'));
  assert.deepEqual(upTo(b.records), upTo(a.records), 'same metrics and layer statistics up to step 1500');
  const [x, y] = [loadCheckpointAt(straight, 1500)!, loadCheckpointAt(victim, 1500)!];
  assert.deepEqual([...y.data.tensors.keys()].sort(), [...x.data.tensors.keys()].sort());
  for (const [name, tensor] of x.data.tensors) assert.deepEqual(y.data.tensors.get(name), tensor, `step 1500: ${name}`);
  assert.ok(latestCheckpointTensors(victim).size > 0);
});

test('device-held state: upload() makes the host arrays the state again (a guard restore, a resume); a non-finite update is flagged', async () => {
  const layers = [{ name: 'w', shape: [2, 3], size: 6, rank: 2, theta: Float32Array.of(1, 2, 3, 4, 5, 6), dir: new Float32Array(6) }];
  const graphs = await ResidentGraphs.create(layers, 'mezo', { provider: 'cpu', threads: 1, deviceState: true });
  await graphs.generateZ(seedFromNumber(5), 1);
  await graphs.update({ lr: 0.1, c: 1, wd: 0 });
  assert.deepEqual(Array.from(layers[0].theta), [1, 2, 3, 4, 5, 6], 'the host array is stale until a download');
  await graphs.download();
  const stepped = Float32Array.from(layers[0].theta);
  assert.notDeepEqual(Array.from(stepped), [1, 2, 3, 4, 5, 6], 'the download brought the update');
  assert.equal(graphs.nonFiniteUpdate, false);
  // A guard's restore writes the host arrays; upload() makes them the state the next update reads.
  layers[0].theta.set([10, 20, 30, 40, 50, 60]);
  graphs.upload();
  await graphs.update({ lr: 0, c: 0, wd: 0 });
  layers[0].theta.fill(0);
  await graphs.download();
  assert.deepEqual(Array.from(layers[0].theta), [10, 20, 30, 40, 50, 60]);
  await graphs.update({ lr: Infinity, c: 1, wd: 0 });
  assert.equal(graphs.nonFiniteUpdate, true, 'Σδ² non-finite: the Trainer scans the state now');
  await graphs.release();
});
