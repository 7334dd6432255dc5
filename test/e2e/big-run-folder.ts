/**
 * A run folder whose metrics.jsonl is at least `minBytes`, in the real format: a real run's records
 * (made by the CLI) repeated block after block with steps, forward passes, examples and wall time
 * moved on, so the file reads like one very long run. Written in 4 MB chunks (about 1 s per 100 MB).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './workbench';

export interface BigRun {
  dir: string;
  bytes: number;
  records: number;
  steps: number;
}

/** A short real run of `config` (outside the workspace), its folder. */
function realRun(config: string, steps: number): string {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-e2e-source-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', '--config', config, '--steps', String(steps), '--runs-dir', runsDir, '--run-id', 'source'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`e2e step "a real run to repeat": the CLI exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  return path.join(runsDir, 'source');
}

export function writeBigRun(config: string, dir: string, minBytes: number): BigRun {
  const source = realRun(config, 2_000);
  const lines = fs.readFileSync(path.join(source, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const head = lines.filter((r) => r.kind === 'event' && r.event !== 'finished');
  const body = lines.filter((r) => r.kind === 'step' || r.kind === 'layers' || (r.kind === 'eval' && r.t > 0));
  const last = lines.filter((r) => r.kind === 'step').at(-1);
  const span = { t: last.t, forwardPasses: last.forwardPasses, examples: last.examples, wallMs: last.wallMs };

  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['run.json', 'config.json']) fs.copyFileSync(path.join(source, f), path.join(dir, f));
  const fd = fs.openSync(path.join(dir, 'metrics.jsonl'), 'w');
  let bytes = 0;
  let records = 0;
  let chunk: string[] = [];
  let chunkBytes = 0;
  const write = (r: unknown) => {
    const line = JSON.stringify(r) + '\n';
    chunk.push(line);
    chunkBytes += line.length;
    records++;
    if (chunkBytes >= 4 << 20) flush();
  };
  const flush = () => {
    const buf = Buffer.from(chunk.join(''), 'utf8');
    fs.writeSync(fd, buf);
    bytes += buf.length;
    chunk = [];
    chunkBytes = 0;
  };
  for (const r of head) write(r);
  let block = 0;
  let t = 0;
  while (bytes + chunkBytes < minBytes) {
    for (const r of body) {
      t = r.t + block * span.t;
      const moved = { ...r, t };
      if ('wallMs' in r) moved.wallMs = r.wallMs + block * span.wallMs;
      if ('forwardPasses' in r) moved.forwardPasses = r.forwardPasses + block * span.forwardPasses;
      if (r.kind === 'step') moved.examples = r.examples + block * span.examples;
      if (r.kind === 'eval') moved.trainExamples = r.trainExamples + block * span.examples;
      write(moved);
    }
    block++;
  }
  const wallMs = span.wallMs * block;
  write({ kind: 'event', t, wallMs, event: 'finished', message: `finished ${t} steps` });
  flush();
  fs.closeSync(fd);

  // The folder's other files agree with the long run (same total steps everywhere).
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  manifest.id = path.basename(dir);
  manifest.name = 'big-history';
  manifest.config.steps = t;
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest, null, 2));
  const status = JSON.parse(fs.readFileSync(path.join(source, 'status.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ ...status, state: 'finished', step: t, totalSteps: t }, null, 2));
  const summary = JSON.parse(fs.readFileSync(path.join(source, 'summary.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, state: 'finished', steps: t, wallSeconds: wallMs / 1000 }, null, 2));
  fs.rmSync(path.dirname(source), { recursive: true, force: true });
  return { dir, bytes, records, steps: t };
}
