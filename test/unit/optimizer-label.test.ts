/**
 * One name for a run's optimizer in every view: the status bar, the run panel's header, the Runs
 * view and the compare page all read optimizerLabel (runtime/protocol), so the layerwise HELENE
 * preset reads "helene (layerwise)" everywhere (the status bar said "HELENE" where the panel said
 * "helene-layerwise").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { statusText } from '../../extension/status-text';
import { readRunListEntry } from '../../runtime/runs/discovery';
import { buildSummaryRows } from '../../runtime/runs/compare-model';
import { applyMessage, createViewModel, statusView } from '../../webview/panel/view-model';
import { manifest, status, tempDir, writeRun } from './runs-fixtures';

// What the runtime writes for the recommended preset: the instance name carries the variant.
const layerwise = manifest('r1', 'helene-layerwise', 2, {}, { optimizer: { name: 'helene', variant: 'layerwise', blocks: 'auto', lr: 0.01 } });
const mezo = manifest('r2', 'mezo', 2);

function everyView(m: typeof layerwise): string[] {
  const bar = statusText({ name: m.name, status: { state: 'running', step: 3, totalSteps: 10 }, manifest: m, lastStep: null, step: 3, totalSteps: 10, exit: null, live: true } as never).text;
  const vm = createViewModel();
  applyMessage(vm, { type: 'snapshot', snapshot: { manifest: m, status: status('running', 3, 10), records: [], summary: null }, live: true } as never);
  const header = statusView(vm).optimizer;
  const runsDir = tempDir('helene-label-');
  const entry = readRunListEntry(writeRun(runsDir, m.id, { manifest: m, status: status('running', 3, 10) }));
  fs.rmSync(runsDir, { recursive: true, force: true });
  const row = buildSummaryRows([{ id: m.id, snapshot: { manifest: m, status: null, records: [], summary: null } }], m.id, { kind: 'baseline-final' } as never).rows[0].optimizer;
  return [/^\$\(pulse\) (.+?) · /.exec(bar)?.[1] ?? bar, header ?? '', (entry as { optimizer?: string }).optimizer ?? '', row];
}

test('the status bar, the panel header, the Runs view and the compare page name the optimizer alike', () => {
  assert.deepEqual(everyView(layerwise), Array(4).fill('helene (layerwise)'));
  assert.deepEqual(everyView(mezo), Array(4).fill('mezo'));
});

test('before the manifest arrives the status bar names the product', () => {
  assert.equal(statusText({ name: 'x', status: null, manifest: null, lastStep: null, step: 0, totalSteps: null, exit: null, live: true } as never).text, '$(loading~spin) HELENE starting');
});
