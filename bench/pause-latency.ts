/**
 * Pause latency as the extension sees it: drives dist/cli.js through extension/runtime-process.ts
 * (the same fork + IPC the extension host uses), sends 'pause' at random moments of a demo run and
 * measures, per try, the milliseconds from the send to the 'paused' event reaching the host and the
 * steps the runtime took after the host's newest step record at the time of the send. Also prints
 * the run's steps/s (from its summary) so a control check's cost shows.
 *
 * Usage: npm run build && npx tsx bench/pause-latency.ts [config] [tries]
 *   default config: a scaffolded demo workspace (helene.helene.json) in a temp folder.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeProcess } from '../extension/runtime-process';
import type { MetricRecord } from '../runtime/protocol';

const cli = path.resolve(__dirname, '..', 'dist', 'cli.js');
const tries = Number(process.argv[3] ?? 8);
let config = process.argv[2];
if (!config) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pause-bench-'));
  fs.rmSync(ws, { recursive: true });
  execFileSync(process.execPath, [cli, 'scaffold', ws]);
  config = path.join(ws, 'helene.helene.json');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const proc = RuntimeProcess.start({ cliPath: cli, configPath: config, overrides: ['steps=200000', 'evalEvery=0'] });
  let lastStep = 0;
  const waiters: ((r: MetricRecord) => void)[] = [];
  proc.events.on('metrics', (records) => {
    for (const r of records) {
      if (r.kind === 'step') lastStep = r.t;
      for (const w of waiters) w(r);
    }
  });
  const nextEvent = (name: string) =>
    new Promise<MetricRecord & { kind: 'event' }>((resolve) => {
      const w = (r: MetricRecord) => {
        if (r.kind === 'event' && r.event === name) {
          waiters.splice(waiters.indexOf(w), 1);
          resolve(r as MetricRecord & { kind: 'event' });
        }
      };
      waiters.push(w);
    });
  await nextEvent('started');
  await sleep(1500);
  const rows: { ms: number; steps: number }[] = [];
  for (let i = 0; i < tries; i++) {
    await sleep(300 + Math.random() * 700);
    const seen = lastStep;
    const paused = nextEvent('paused');
    const t0 = performance.now();
    proc.pause();
    const ev = await paused;
    const ms = performance.now() - t0;
    rows.push({ ms, steps: ev.t - seen });
    const resumed = nextEvent('resumed');
    proc.resume();
    await resumed;
  }
  const exit = await proc.stop();
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  const steps = rows.map((r) => r.steps).sort((a, b) => a - b);
  console.log(`pause latency over ${tries} tries: ms median ${ms[ms.length >> 1].toFixed(0)} max ${ms[ms.length - 1].toFixed(0)}; steps after the host's last step median ${steps[steps.length >> 1]} max ${steps[steps.length - 1]}`);
  console.log(`per try: ${rows.map((r) => `${r.ms.toFixed(0)}ms/${r.steps}st`).join(' ')}`);
  console.log(`run: ${exit.summary?.steps} steps at ${exit.summary?.stepsPerSecond.toFixed(0)} steps/s (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})`);
}

void main();
