/**
 * A real metrics.jsonl larger than the longest string V8 can hold (0x1fffffe8 characters, 512 MiB):
 * main's reader (readFileSync + split) threw "Cannot create a string longer than …" here, so
 * resume, export and the run reader crashed on long runs. The lines are padded with JSON whitespace
 * (legal after a value) so the file is large without millions of records to generate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRunFolderSync, readRunHistorySync } from '../../runtime/run/run-reader';
import { dropMetricsAfter } from '../../runtime/run/metrics-truncate';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../../runtime/protocol';

test('a metrics.jsonl over 512 MiB is read, decimated and cut by resume', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-large-'));
  try {
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: RUN_FORMAT, version: RUN_FORMAT_VERSION, config: {} }));
    const file = path.join(dir, 'metrics.jsonl');
    const pad = ' '.repeat(1 << 20);
    const fd = fs.openSync(file, 'w');
    const lines = 530;
    for (let t = 1; t <= lines; t++) {
      const rec = { kind: 'step', t, loss: 1 / t, lr: 0.01, forwardPasses: 2 * t, examples: t, wallMs: t, timing: { forwardMs: 1, optimizerMs: 1, dataMs: 0, totalMs: 2 }, examplesPerSec: 1 };
      fs.writeSync(fd, JSON.stringify(rec) + pad + '\n');
    }
    fs.closeSync(fd);
    assert.ok(fs.statSync(file).size > 0x1fffffe8, 'larger than one V8 string');
    const all = readRunFolderSync(dir);
    assert.equal(all.records.length, lines);
    assert.equal(all.records[lines - 1].t, lines);
    const history = readRunHistorySync(dir, { buckets: 50, tail: 20 });
    assert.equal(history.history?.totalRecords, lines);
    assert.equal(history.records[history.records.length - 1].t, lines);
    const cut = dropMetricsAfter(file, (r) => r.t <= 500);
    assert.equal(cut.dropped, lines - 500);
    assert.equal(readRunFolderSync(dir).records.length, 500);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
