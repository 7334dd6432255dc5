/**
 * The panel history's layers budget: a layers record holds every tensor's statistics, so a long
 * run's history keeps them in at most `layerBuckets` evenly spaced buckets (the heatmap draws 300
 * columns), plus the newest 64 verbatim. Without the cap a 100 MB run's snapshot was 4.9 MB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HISTORY_DEFAULTS, readMetricsHistory } from '../../runtime/run/metrics-history';

test('layers records are kept in at most layerBuckets evenly spaced buckets, plus the newest 64', () => {
  const lines: string[] = [];
  for (let t = 1; t <= 60_000; t++) {
    lines.push(JSON.stringify({ kind: 'step', t, loss: 1, lr: 0.01, forwardPasses: 2 * t, examples: t, wallMs: t, timing: { forwardMs: 1, optimizerMs: 0, dataMs: 0, totalMs: 1 }, examplesPerSec: 1 }));
    if (t % 20 === 0) lines.push(JSON.stringify({ kind: 'layers', t, layers: [{ name: 'w', size: 4, updateRms: t, thetaRms: 1, updateToWeight: 0.1 }] }));
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'history-budget-')), 'metrics.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const h = readMetricsHistory(file, { buckets: 1000, tail: 500, layerBuckets: 100 });
  const layers = h.records.filter((r) => r.kind === 'layers').map((r) => r.t);
  const old = layers.filter((t) => t <= 60_000 - 64 * 20);
  assert.ok(old.length >= 90 && old.length <= 100, `${old.length} older layers records kept (cap 100)`);
  const gaps = old.slice(1).map((t, i) => t - old[i]);
  assert.ok(Math.max(...gaps) <= 2 * Math.min(...gaps) + 20, `evenly spread: gaps ${Math.min(...gaps)}..${Math.max(...gaps)}`);
  assert.deepEqual(layers.slice(-64), Array.from({ length: 64 }, (_, i) => 60_000 - (63 - i) * 20), 'the newest 64 verbatim');
  assert.ok(HISTORY_DEFAULTS.layerBuckets <= 300, 'the default fits the heatmap (300 columns)');
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
