/**
 * Issue 17's speed targets as `npm run bench` prints them: each ratio measured in this run, next to
 * its target. Targets are printed, never asserted (a shared machine's timings are not a test).
 *
 * - MeZO on the ~1 M text encoder: steps/s ÷ the two-forward limit (encoder-target.ts)        ≥ 0.80
 * - step / two inference forwards at 50 M parameters: MeZO ≤ 1.10; HELENE (paper and the
 *   recommended layerwise preset) ≤ 1.15 (throughput.ts's ratioToTwoForwards)
 * - HELENE's optimizer work ÷ MeZO's, at every size timed: ≤ 1.5, where optimizer work is a step
 *   minus its forward passes and batch feeding (z generation + update)
 * - the project's MeZO steps/s ÷ an independent PyTorch MeZO's on the same encoder and batches  ≥ 2.5
 */
import type { ModelThroughput, OptimizerResult } from './throughput';
import type { EncoderTargetResult } from './encoder-target';

export interface TargetRow {
  what: string;
  measured: number | null;
  target: string;
  met: boolean | null;
  note?: string;
}

const HELENES = ['helene', 'helene-layerwise'];
const work = (r: OptimizerResult) => r.median.rngMs + r.median.optimizerMs;

export function issue17Targets(throughput: ModelThroughput[], encoder: EncoderTargetResult | null): TargetRow[] {
  const rows: TargetRow[] = [];
  if (encoder) {
    rows.push({
      what: `MeZO, ${(encoder.parameters / 1e6).toFixed(2)}M text encoder B${encoder.batch}: steps/s ÷ two-forward limit (${encoder.stepsPerSecond.toFixed(1)} ÷ ${encoder.limitStepsPerSecond.toFixed(1)})`,
      measured: encoder.ratioToLimit,
      target: '≥ 0.80',
      met: encoder.ratioToLimit >= 0.8,
      note: `in process CPU time per step: ${encoder.cpuRatioToLimit.toFixed(2)}`,
    });
  }
  for (const m of throughput.filter((x) => x.parameters >= 40e6)) {
    for (const r of m.results) {
      const limit = r.optimizer === 'mezo' ? 1.1 : HELENES.includes(r.optimizer) ? 1.15 : null;
      if (limit === null) continue;
      rows.push({ what: `${m.model}: ${r.optimizer} step / two inference forwards`, measured: r.ratioToTwoForwards, target: `≤ ${limit.toFixed(2)}`, met: r.ratioToTwoForwards <= limit });
    }
  }
  for (const m of throughput) {
    const mezo = m.results.find((r) => r.optimizer === 'mezo');
    if (!mezo) continue;
    for (const r of m.results.filter((x) => HELENES.includes(x.optimizer))) {
      const ratio = work(r) / work(mezo);
      rows.push({ what: `${m.model}: ${r.optimizer} optimizer work ÷ MeZO's (${work(r).toFixed(1)} ÷ ${work(mezo).toFixed(1)} ms)`, measured: ratio, target: '≤ 1.50', met: ratio <= 1.5 });
    }
  }
  if (encoder) {
    const p = encoder.pytorch;
    if ('skipped' in p) rows.push({ what: 'project MeZO steps/s ÷ PyTorch MeZO steps/s (1M encoder, same batches)', measured: null, target: '≥ 2.5', met: null, note: `skipped: ${p.skipped}` });
    else {
      const ratio = encoder.stepsPerSecond / p.stepsPerSecond;
      rows.push({
        what: `project MeZO ÷ PyTorch MeZO steps/s (${encoder.stepsPerSecond.toFixed(1)} ÷ ${p.stepsPerSecond.toFixed(1)}; torch ${p.torch}, ${p.torchThreads} threads)`,
        measured: ratio,
        target: '≥ 2.5',
        met: ratio >= 2.5,
        note: `${p.blas}; torch steps/s by threads: ${Object.entries(p.stepsPerSecondByThreads ?? {}).map(([k, v]) => `${k}: ${v.toFixed(1)}`).join(', ') || 'n/a'}; first-batch loss: PyTorch ${p.firstBatchLoss.toFixed(5)}, onnxruntime ${p.onnxFirstBatchLoss.toFixed(5)}`,
      });
    }
  }
  return rows;
}

export function targetsTable(rows: TargetRow[], load: number[]): string {
  const width = Math.max(...rows.map((r) => r.what.length), 6);
  const lines = [`issue 17 targets (measured in this run; load average ${load.map((l) => l.toFixed(2)).join(' ')})`, `${'target'.padEnd(width)}  measured  target  met`];
  for (const r of rows) {
    lines.push(`${r.what.padEnd(width)}  ${(r.measured === null ? '–' : r.measured.toFixed(2)).padStart(8)}  ${r.target.padStart(6)}  ${r.met === null ? '–' : r.met ? 'yes' : 'NO'}${r.note ? `   (${r.note})` : ''}`);
  }
  return lines.join('\n');
}
