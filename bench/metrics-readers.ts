/**
 * Reader benchmark for long metrics.jsonl files (issue 15 item 5): time and peak RSS of each reader
 * of the file, every case in a fresh process (peak RSS is per process).
 *
 *   npx tsx bench/metrics-readers.ts --mb 100,1000 [--before <dir>] [--out bench/results/metrics-readers.json]
 *
 * Generates <size> MB run folders in os.tmpdir() (steps, a layers record every 10 steps, an eval every
 * 500, a few events), then measures:
 *   resume-scan     the resume cut's streaming pass (dropMetricsAfter; nothing after the last step is dropped)
 *   export          what export reads of the run folder (run.json; metrics are not read any more)
 *   compare-load    loadCompareRuns on the run (decimated history)
 *   panel-history   `helene-studio history`'s work: the decimated snapshot, serialised
 * --before <dir>: a copy of main's runtime/ (git archive main runtime | tar -x -C <dir>): its
 * readRunFolderSync (what resume, export, compare and the panel called on main) is measured too.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../runtime/protocol';

type CaseName = 'resume-scan' | 'export' | 'compare-load' | 'panel-history' | 'before-read';

async function runCase(name: CaseName, dir: string, before?: string): Promise<string> {
  const metrics = path.join(dir, 'metrics.jsonl');
  switch (name) {
    case 'resume-scan': {
      const { dropMetricsAfter } = await import('../runtime/run/metrics-truncate');
      return JSON.stringify(dropMetricsAfter(metrics, () => true));
    }
    case 'export': {
      const { readRunHeaderSync } = await import('../runtime/run/run-reader');
      return readRunHeaderSync(dir).manifest ? "run.json read" : "no run.json";
    }
    case 'compare-load': {
      const { loadCompareRuns } = await import('../runtime/runs/compare-load');
      const loaded = loadCompareRuns([dir]);
      return `${loaded.runs[0]?.snapshot.records.length} records, unreadable ${JSON.stringify(loaded.unreadable)}`;
    }
    case 'panel-history': {
      const { readRunHistorySync } = await import('../runtime/run/run-reader');
      const json = JSON.stringify(readRunHistorySync(dir));
      // What the extension host does with it (the rest runs in the child process).
      const t0 = performance.now();
      JSON.parse(json);
      return `${(json.length / 1e6).toFixed(2)} MB of JSON; host-side JSON.parse ${(performance.now() - t0).toFixed(0)} ms`;
    }
    case 'before-read': {
      const mod = (await import(path.resolve(before!, 'runtime/run/run-reader.ts'))) as { readRunFolderSync(d: string): { records: unknown[] } };
      return `${mod.readRunFolderSync(dir).records.length} records`;
    }
  }
}

function generate(dir: string, mb: number): void {
  const file = path.join(dir, 'metrics.jsonl');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: RUN_FORMAT, version: RUN_FORMAT_VERSION, runId: path.basename(dir), config: {} }));
  if (fs.existsSync(file) && fs.statSync(file).size >= mb * 1e6) return;
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let t = 0;
  let fp = 0;
  const layers = Array.from({ length: 12 }, (_, i) => ({ name: `layer.${i}.weight`, size: 4096, hMean: 0.01, hMin: 0.001, hMax: 0.1, updateRms: 1e-4, thetaRms: 0.02, updateToWeight: 5e-3 }));
  const lines: string[] = [JSON.stringify({ kind: 'event', t: 0, wallMs: 0, event: 'started', message: 'started' })];
  while (bytes < mb * 1e6) {
    t++;
    fp += 2;
    const loss = 2 / Math.sqrt(t) + 0.05 * Math.sin(t);
    lines.push(JSON.stringify({ kind: 'step', t, loss, c: 0.1, lr: 0.01, forwardPasses: fp, examples: t * 16, wallMs: t * 3, timing: { forwardMs: 1.2, optimizerMs: 0.4, dataMs: 0.1, totalMs: 1.8 }, examplesPerSec: 5000 }));
    if (t % 10 === 0) lines.push(JSON.stringify({ kind: 'layers', t, layers }));
    if (t % 500 === 0) {
      fp += 64;
      lines.push(JSON.stringify({ kind: 'eval', t, forwardPasses: fp, wallMs: t * 3, loss: loss * 1.1, examples: 64, trainExamples: t * 16 }));
    }
    if (lines.length >= 5000) {
      const text = lines.join('\n') + '\n';
      fs.writeSync(fd, text);
      bytes += Buffer.byteLength(text);
      lines.length = 0;
    }
  }
  fs.closeSync(fd);
}

async function main(argv: string[]): Promise<void> {
  const arg = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const single = arg('--case') as CaseName | undefined;
  if (single) {
    const t0 = performance.now();
    let result: string;
    try {
      result = await runCase(single, arg('--dir')!, arg('--before'));
    } catch (e) {
      result = `FAILED: ${(e as Error).message.slice(0, 120)}`;
    }
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, peakRssMB: process.resourceUsage().maxRSS / 1024, result }) + '\n');
    return;
  }
  const sizes = (arg('--mb') ?? '100').split(',').map(Number);
  const before = arg('--before');
  const out = arg('--out') ?? path.join('bench', 'results', 'metrics-readers.json');
  const rows: Record<string, unknown>[] = [];
  for (const mb of sizes) {
    const dir = path.join(os.tmpdir(), `helene-metrics-bench-${mb}mb`);
    generate(dir, mb);
    const size = fs.statSync(path.join(dir, 'metrics.jsonl')).size;
    const cases: CaseName[] = ['resume-scan', 'export', 'compare-load', 'panel-history', ...(before ? (['before-read'] as CaseName[]) : [])];
    for (const name of cases) {
      const args = ['--import', 'tsx', __filename, '--case', name, '--dir', dir, ...(before ? ['--before', before] : [])];
      const line = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop()!;
      const r = JSON.parse(line) as { ms: number; peakRssMB: number; result: string };
      rows.push({ fileMB: +(size / 1e6).toFixed(1), case: name, seconds: +(r.ms / 1000).toFixed(2), peakRssMB: Math.round(r.peakRssMB), result: r.result });
      process.stdout.write(`${(size / 1e6).toFixed(0).padStart(6)} MB  ${name.padEnd(14)} ${(r.ms / 1000).toFixed(2).padStart(7)} s  ${Math.round(r.peakRssMB).toString().padStart(5)} MB RSS  ${r.result}\n`);
    }
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ machine: `${os.cpus().length}× ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, load: os.loadavg(), node: process.version, rows }, null, 2) + '\n');
}

void main(process.argv.slice(2));
