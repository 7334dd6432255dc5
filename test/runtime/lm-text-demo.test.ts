/**
 * The text demo wiring (short run): both optimizers fine-tune the pre-trained encoder's head on the
 * dictionary task from the same zero-shot start. The full-length numbers are in the README.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runTextDemo } from '../../runtime/demo/text-demo';
import { evalRecords } from '../../runtime/run/compare';
import { ENCODER_DIR } from '../unit/lm-helpers';
import { tempDir } from './helpers';

test('demo-text trains MeZO and HELENE from the same zero-shot start and records accuracy', async () => {
  const dir = tempDir('text-demo-');
  const results = await runTextDemo({ dir, steps: 60, quiet: true, fixtureDir: ENCODER_DIR });
  assert.deepEqual(results.map((r) => r.name), ['MeZO', 'HELENE']);
  const starts = results.map((r) => evalRecords(r.records)[0]);
  assert.equal(starts[0].t, 0);
  assert.equal(starts[0].loss, starts[1].loss, 'same model, same eval set');
  assert.equal(starts[0].accuracy, 0.5, 'the fresh head is at chance (stats.json: zero-shot 50.0%)');
  for (const r of results) {
    assert.equal(r.summary.state, 'finished');
    assert.ok(r.summary.finalEval!.accuracy! > 0.3);
    assert.ok(path.resolve(r.runDir).startsWith(path.resolve(dir)));
  }
});
