/**
 * `npm run demo`: build the demo task, train it with MeZO and with HELENE (same seed, same data
 * order, same step seeds), and print both results side by side.
 */
import * as path from 'node:path';
import { loadConfig } from '../cli/config-file';
import { runTraining } from '../cli/train-command';
import { readRunFolderSync } from '../run/run-reader';
import { evalRecords, speedupToBaselineFinal } from '../run/compare';
import { DEMO_DEFAULTS, writeDemoWorkspace } from './demo-task';
import { heldoutVerdictLines } from './heldout-verdict';
import type { MetricRecord, RunSummary } from '../protocol';

export interface DemoOptions {
  dir?: string;
  steps?: number;
  quiet?: boolean;
}

interface DemoResult {
  name: string;
  summary: RunSummary;
  records: MetricRecord[];
  runDir: string;
  provider: string;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const dir = path.resolve(options.dir ?? 'demo-workspace');
  const settings = { ...DEMO_DEFAULTS, ...(options.steps ? { steps: options.steps } : {}) };
  const files = writeDemoWorkspace(dir, settings);
  const say = (s: string) => options.quiet || process.stdout.write(s + '\n');
  say(`HELENE Studio demo: 4-class teacher task, 24 features in groups scaled 3.0 / 1.0 / 0.2, student MLP 24-16-4`);
  say(`workspace: ${dir} (model, data and the two run configs; re-run one with: helene-studio train --config ${path.relative(process.cwd(), files.configs.helene)})\n`);
  const results: DemoResult[] = [];
  for (const [name, file] of [['MeZO', files.configs.mezo], ['HELENE', files.configs.helene], ['HELENE*', files.configs.heleneRecommended]] as const) {
    const { config } = loadConfig(file);
    const { summary, runDir } = await runTraining(config, { ipc: false, quiet: Boolean(options.quiet), label: name.padEnd(7) });
    const snapshot = readRunFolderSync(runDir);
    results.push({ name, summary, records: snapshot.records, runDir, provider: snapshot.manifest?.engine.provider ?? '?' });
  }
  if (!options.quiet) printComparison(results);
  return results;
}

function printComparison(results: DemoResult[]): void {
  const [mezo] = results;
  const first = (r: DemoResult) => evalRecords(r.records)[0];
  const pct = (x: number | undefined) => (x !== undefined ? `${(100 * x).toFixed(1)}%` : '-');
  const rows: [string, (r: DemoResult) => string][] = [
    ['steps', (r) => String(r.summary.steps)],
    ['training forward passes', (r) => String(r.summary.trainingPasses ?? '-')],
    ['evaluation passes', (r) => String(r.summary.evalPasses ?? '-')],
    ['provider', (r) => r.provider],
    ['eval loss before training', (r) => first(r)?.loss.toFixed(4) ?? '-'],
    ['eval accuracy before training', (r) => pct(first(r)?.accuracy)],
    ['final train loss', (r) => r.summary.finalLoss?.toFixed(4) ?? '-'],
    ['final eval loss', (r) => r.summary.finalEval?.loss.toFixed(4) ?? '-'],
    ['final eval accuracy', (r) => pct(r.summary.finalEval?.accuracy)],
    ['best eval accuracy', (r) => pct(r.summary.bestEval?.accuracy)],
    ['steps/s', (r) => r.summary.stepsPerSecond.toFixed(0)],
    ['wall time', (r) => `${r.summary.wallSeconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const out: string[] = ['', `${''.padEnd(width)}${results.map((r) => r.name.padStart(14)).join('')}`];
  for (const [label, cell] of rows) out.push(`${label.padEnd(width)}${results.map((r) => cell(r).padStart(14)).join('')}`);
  out.push('', 'HELENE = the spec\'s defaults ("helene (paper)"); HELENE* = the HELENE preset (variant layerwise, blocks auto = row blocks here, curvatureFloor 0.1: docs/helene-notes.md).');
  for (const r of results.slice(1)) {
    const s = speedupToBaselineFinal(mezo.records, r.records);
    if (!s) continue;
    out.push(
      s.candidate
        ? `${r.name} reached MeZO's final eval loss (${s.target.toFixed(4)}) at step ${s.candidate.t} vs ${s.baseline.t}: ${s.stepRatio!.toFixed(2)}x fewer steps, ${s.passRatio!.toFixed(2)}x fewer training forward passes.`
        : `${r.name} did not reach MeZO's final eval loss (${s.target.toFixed(4)}) within ${r.summary.steps} steps.`,
    );
  }
  out.push(`chance accuracy: 25.0%. Run folders: ${path.dirname(mezo.runDir)}`, '', ...heldoutVerdictLines());
  process.stdout.write(out.join('\n') + '\n');
}
