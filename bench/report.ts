/** Plain-text tables for the console and docs/benchmarks.md (GitHub markdown). */
import type { ModelThroughput } from './throughput';
import type { MemoryResult } from './memory';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...rows.map(line)].join('\n');
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

export function throughputTable(m: ModelThroughput): string {
  const head = `${m.model}: ${m.description}, ${(m.parameters / 1e6).toFixed(2)}M trainable, provider ${m.provider}, ORT threads ${m.threads}, kernel threads ${m.kernelThreads}`;
  const rows = m.results.map((r) => [
    r.optimizer,
    String(r.forwardPassesPerStep),
    f(r.median.forwardMs),
    f(r.median.rngMs),
    f(r.median.optimizerMs),
    f(r.statsMs),
    f(r.median.dataMs, 2),
    f(r.median.totalMs),
    f(r.stepsPerSecond, 2),
    f(r.referenceTwoForwardsMs),
    f(r.ratioToTwoForwards, 2),
    f((r.ratioToTwoForwards * 2) / r.forwardPassesPerStep, 2),
    f(r.forwardPassRatio, 2),
    f(r.statsStepRatio, 2),
    r.load1.map((l) => l.toFixed(1)).join('/'),
  ]);
  return (
    head +
    '\n\n' +
    table(['optimizer', 'passes', 'forward ms', 'rng ms', 'update ms', 'stats ms', 'data ms', 'step ms', 'steps/s', '2 inf. fwd ms', 'step / 2 fwd', 'step / (passes × fwd)', 'fwd pass / inf. fwd', 'stats step / step', 'load (1 min)'], rows)
  );
}

/** Full fine-tuning rows in one table; LoRA rows (if any) in a second one with the full-model comparison. */
export function memoryTable(results: MemoryResult[]): string {
  const full = results.filter((m) => !m.lora);
  const lora = results.filter((m) => m.lora);
  const tables: string[] = [];
  if (full.length > 0) {
    const rows = full.flatMap((m) =>
      m.runs.map((r) => [m.model, (m.parameters / 1e6).toFixed(2) + 'M', r.optimizer, f(m.inferencePeakMB, 0), f(r.peakMB, 0), f(r.overheadMB, 0), f(r.idealMB, 0), f(r.ratio, 2)]),
    );
    tables.push(table(['model', 'trainable', 'optimizer', 'inference peak MB', 'training peak MB', 'overhead MB', 'ideal MB', 'overhead / ideal'], rows));
  }
  if (lora.length > 0) {
    const rows = lora.flatMap((m) =>
      m.runs.map((r) => [
        m.model,
        String(m.lora!.rank),
        (m.parameters / 1e6).toFixed(3) + 'M',
        (m.baseParameters / 1e6).toFixed(2) + 'M',
        r.optimizer,
        f(m.inferencePeakMB, 0),
        f(r.peakMB, 0),
        f(r.overheadMB, 0),
        f(r.idealMB, 1),
        f(r.ratio, 2),
        f(r.fullModelIdealMB, 0),
        f(r.ratioToFullModel, 2),
      ]),
    );
    tables.push(
      table(['model (LoRA)', 'rank', 'adapter elements', 'model elements', 'optimizer', 'inference peak MB', 'training peak MB', 'overhead MB', 'ideal (adapters) MB', 'overhead / ideal', 'full-FT ideal MB', 'overhead / full-FT ideal'], rows),
    );
  }
  return tables.join('\n\n');
}
