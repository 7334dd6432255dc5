/**
 * `npm run demo:text` (helene-studio demo-text): fine-tune the project's pre-trained tiny text
 * encoder (test/fixtures/lm/tiny-encoder, made by scripts/fixtures/make_encoder.py) on a real text
 * classification task — which public-domain dictionary does a sentence come from, The Devil's
 * Dictionary or the Jargon File — with MeZO and with HELENE from the same seed, data order and step
 * seeds, and print eval accuracy before (the zero-shot start: a fresh classifier head) and after.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../cli/config-file';
import { runTraining } from '../cli/train-command';
import { readRunFolderSync } from '../run/run-reader';
import { evalRecords } from '../run/compare';
import type { MetricRecord, RunSummary, UserConfig } from '../protocol';
import { TEXT_DEMO } from './text-demo-settings';

export interface TextDemoOptions {
  dir?: string;
  steps?: number;
  quiet?: boolean;
  /** Where the fixture lives (default: found from the bundle or the working directory). */
  fixtureDir?: string;
}

export interface TextDemoResult {
  name: string;
  summary: RunSummary;
  records: MetricRecord[];
  runDir: string;
}

/** test/fixtures/lm/tiny-encoder, looked up beside the bundle (dist/) and in the working directory. */
export function findTextDemoFixture(): string {
  const candidates = [path.resolve(__dirname, '..', TEXT_DEMO.fixture), path.resolve(__dirname, '..', '..', TEXT_DEMO.fixture), path.resolve(TEXT_DEMO.fixture)];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'model.onnx')));
  if (!found) throw new Error(`the text demo's model was not found (looked in ${candidates.join(', ')}); run it from the repository root`);
  return found;
}

export function textDemoConfig(fixture: string, optimizer: 'mezo' | 'helene', steps: number, runsDir: string): UserConfig {
  const o = TEXT_DEMO.optimizers[optimizer];
  return {
    name: `text-${optimizer}`,
    seed: TEXT_DEMO.seed,
    steps,
    evalEvery: Math.max(1, Math.round(steps / 5)),
    statsEvery: 50,
    model: { path: path.join(fixture, 'model.onnx'), task: 'classification', ...TEXT_DEMO.trainables },
    data: {
      train: path.join(fixture, 'train.jsonl'),
      eval: path.join(fixture, 'eval.jsonl'),
      labelNames: TEXT_DEMO.labelNames,
      maxLength: TEXT_DEMO.maxLength,
      batchSize: TEXT_DEMO.batchSize,
    },
    optimizer: { name: optimizer, ...o },
    engine: { provider: 'cpu' },
    checkpoint: { every: 0 },
    output: { runsDir },
  } as UserConfig;
}

export async function runTextDemo(options: TextDemoOptions = {}): Promise<TextDemoResult[]> {
  const dir = path.resolve(options.dir ?? path.join('demo-workspace', 'text'));
  const fixture = options.fixtureDir ?? findTextDemoFixture();
  const steps = options.steps ?? TEXT_DEMO.steps;
  fs.mkdirSync(dir, { recursive: true });
  const say = (s: string) => options.quiet || process.stdout.write(s + '\n');
  say(`HELENE Studio text demo: pre-trained tiny encoder (${path.relative(process.cwd(), fixture) || fixture}), task: The Devil's Dictionary vs the Jargon File (2 classes, chance 50%)`);
  say(`trainables: ${TEXT_DEMO.describe}; ${steps} steps, batch ${TEXT_DEMO.batchSize}; configs and run folders in ${dir}\n`);
  const results: TextDemoResult[] = [];
  for (const name of ['mezo', 'helene'] as const) {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(textDemoConfig(fixture, name, steps, path.join(dir, 'runs')), null, 2) + '\n');
    const { config } = loadConfig(file);
    const label = name === 'mezo' ? 'MeZO  ' : 'HELENE';
    const { summary, runDir } = await runTraining(config, { ipc: false, quiet: Boolean(options.quiet), label });
    results.push({ name: label.trim(), summary, records: readRunFolderSync(runDir).records, runDir });
  }
  if (!options.quiet) printTextComparison(results);
  return results;
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

function printTextComparison(results: TextDemoResult[]): void {
  const first = (r: TextDemoResult) => evalRecords(r.records)[0];
  const rows: [string, (r: TextDemoResult) => string][] = [
    ['steps', (r) => String(r.summary.steps)],
    ['eval accuracy before (zero-shot)', (r) => pct(first(r)?.accuracy)],
    ['eval accuracy after', (r) => pct(r.summary.finalEval?.accuracy)],
    // bestEval is the eval with the lowest loss; its accuracy is not necessarily the highest.
    ['accuracy at best eval loss', (r) => pct(r.summary.bestEval?.accuracy)],
    ['eval loss before → after', (r) => `${first(r)?.loss.toFixed(3) ?? '-'} → ${r.summary.finalEval?.loss.toFixed(3) ?? '-'}`],
    ['wall time', (r) => `${r.summary.wallSeconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = ['', `${''.padEnd(width)}  ${results.map((r) => r.name.padStart(16)).join('  ')}`];
  for (const [label, cell] of rows) out.push(`${label.padEnd(width)}  ${results.map((r) => cell(r).padStart(16)).join('  ')}`);
  out.push('', `chance accuracy: 50.0%. Export a tuned model: helene-studio export ${path.relative(process.cwd(), results[1]?.runDir ?? '')}`);
  process.stdout.write(out.join('\n') + '\n');
}
