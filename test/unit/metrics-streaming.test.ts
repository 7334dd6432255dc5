/**
 * The streaming metrics.jsonl readers: chunk boundaries everywhere (tiny chunks), torn last lines,
 * multi-byte UTF-8 split across chunks, lines longer than the buffer, the resume cut at a byte
 * offset (with its crash plan replayed), and the decimated history the panel and compare open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { forEachLine, forEachMetricRecord, readAllMetricRecords } from '../../runtime/run/metrics-lines';
import { cutPlanPath, dropMetricsAfter, resumeCut } from '../../runtime/run/metrics-truncate';
import { readMetricsHistory } from '../../runtime/run/metrics-history';
import { parseMetricLines } from '../../runtime/run/run-reader';
import { summarizeRecords } from '../../runtime/runs/summary';
import { MetricsTail } from '../../runtime/runs/metrics-tail';
import type { MetricRecord } from '../../runtime/protocol';

function tmpFile(text: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-stream-'));
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, text);
  return file;
}

function step(t: number, loss: number, fp = t * 2): MetricRecord {
  return { kind: 'step', t, loss, lr: 0.01, forwardPasses: fp, examples: t * 4, wallMs: t * 10, timing: { forwardMs: 1, optimizerMs: 1, dataMs: 0, totalMs: 2 }, examplesPerSec: 400 } as unknown as MetricRecord;
}
function evalAt(t: number, loss: number, fp: number): MetricRecord {
  return { kind: 'eval', t, loss, forwardPasses: fp, wallMs: t * 10, examples: 8 };
}
function event(t: number, e: string, message = e): MetricRecord {
  return { kind: 'event', t, wallMs: t * 10, event: e, message } as MetricRecord;
}
const lines = (rs: MetricRecord[]) => rs.map((r) => JSON.stringify(r) + '\n').join('');

test('every chunk size yields the same records as parsing the whole text, multi-byte characters included', () => {
  // 'é' (2 bytes), '曲' (3 bytes) and an emoji (4 bytes) land on every chunk boundary for some chunk size.
  const records = Array.from({ length: 40 }, (_, i) => event(i, 'warning', `layer é曲😀 #${i} ${'x'.repeat(i % 7)}`));
  const text = lines(records);
  const file = tmpFile(text);
  for (const chunk of [1, 2, 3, 5, 7, 16, 64, 1000, 1 << 20]) {
    const got: MetricRecord[] = [];
    const scan = forEachMetricRecord(file, ({ record }) => void got.push(record), chunk);
    assert.deepEqual(got, parseMetricLines(text), `chunk ${chunk}`);
    assert.equal(scan.bytes, Buffer.byteLength(text));
    assert.equal(scan.torn, null);
  }
});

test('line offsets are byte offsets: start/end slice the raw file back into each line', () => {
  const text = lines([event(1, 'warning', 'ünïcødé'), step(2, 0.5), event(3, 'warning', '曲曲')]);
  const file = tmpFile(text);
  const raw = fs.readFileSync(file);
  forEachLine(file, (l) => assert.equal(raw.subarray(l.start, l.end).toString('utf8'), l.text + '\n'), 4);
});

test('a line longer than the read buffer is read whole, and the buffer held is bounded by chunk + that line', () => {
  const long = event(1, 'warning', 'y'.repeat(50_000));
  const file = tmpFile(lines([step(0, 1), long, step(2, 1)]));
  const got: MetricRecord[] = [];
  const scan = forEachMetricRecord(file, ({ record }) => void got.push(record), 1024);
  assert.deepEqual(got[1], long);
  assert.equal(got.length, 3);
  assert.ok(scan.peakBufferBytes < 50_000 + 2 * 1024 + 200, `peak ${scan.peakBufferBytes}`);
});

test('a file many times the buffer is scanned with a buffer that never grows past one chunk plus a line', () => {
  const records = Array.from({ length: 20_000 }, (_, i) => step(i, 1 / (i + 1)));
  const file = tmpFile(lines(records));
  assert.ok(fs.statSync(file).size > 100 * 4096);
  let n = 0;
  const scan = forEachMetricRecord(file, () => void n++, 4096);
  assert.equal(n, 20_000);
  assert.ok(scan.peakBufferBytes <= 2 * 4096, `peak ${scan.peakBufferBytes}`);
});

test('a torn last line is ignored and reported with its line number; corruption before the end names its line', () => {
  const good = lines([step(1, 1), step(2, 1)]);
  const torn = tmpFile(good + '{"kind":"step","t":3,"lo');
  const scan = forEachMetricRecord(torn, () => undefined, 8);
  assert.deepEqual(scan.torn, { lineNo: 3, start: Buffer.byteLength(good) });
  assert.equal(readAllMetricRecords(torn).length, 2);
  const corrupt = tmpFile(lines([step(1, 1)]) + '{broken\n' + lines([step(3, 1)]));
  assert.throws(() => readAllMetricRecords(corrupt), /metrics\.jsonl line 2: /);
  // A complete last line that parses but lacks its newline is data.
  assert.equal(readAllMetricRecords(tmpFile(good + JSON.stringify(step(3, 1)))).length, 3);
});

test('resume cut: records after the checkpoint are dropped at a byte offset, the earlier bytes are untouched', () => {
  const before = [step(1, 1), step(2, 0.9), event(2, 'checkpoint')];
  const after = [step(3, 0.8), step(4, 0.7), event(4, 'stopped')];
  const file = tmpFile(lines([...before, ...after]) + '{"kind":"st');
  const head = Buffer.byteLength(lines(before));
  const res = dropMetricsAfter(file, (r) => r.t <= 2);
  assert.equal(res.cut, head);
  assert.equal(fs.readFileSync(file, 'utf8'), lines(before));
  assert.equal(fs.existsSync(cutPlanPath(file)), false);
});

test('resume cut: a record to keep after the first dropped one is written back, in order', () => {
  // The stop at the checkpoint's step: stop-requested (dropped) comes before the checkpoint event (kept).
  // A layers record is read shallowly by the cut pass; it must come back byte for byte.
  const layers = { kind: 'layers', t: 2, layers: [{ name: 'w', size: 4, updateRms: 0.5, thetaRms: 1, updateToWeight: 0.1 }] } as MetricRecord;
  const recs = [step(1, 1), step(2, 1), event(2, 'stop-requested'), layers, event(2, 'checkpoint'), event(2, 'stopped'), step(3, 1)];
  const file = tmpFile(lines(recs));
  const keep = (r: MetricRecord) => r.t <= 2 && !(r.kind === 'event' && /^(stopped|stop-requested)$/.test(r.event));
  const res = dropMetricsAfter(file, keep);
  assert.equal(res.writtenBack, 2);
  assert.equal(fs.readFileSync(file, 'utf8'), lines([step(1, 1), step(2, 1), layers, event(2, 'checkpoint')]));
});

test('resume cut: a kill after the cut but before the write-back is finished from the saved plan', () => {
  const kept = lines([step(1, 1), step(2, 1)]);
  const file = tmpFile(kept + lines([event(2, 'stop-requested'), event(2, 'checkpoint')]));
  // The state a kill leaves between ftruncate and the write-back: file cut, plan on disk.
  const text = JSON.stringify(event(2, 'checkpoint')) + '\n';
  fs.writeFileSync(cutPlanPath(file), JSON.stringify({ size: fs.statSync(file).size, cut: Buffer.byteLength(kept), text }));
  fs.truncateSync(file, Buffer.byteLength(kept));
  resumeCut(file);
  assert.equal(fs.readFileSync(file, 'utf8'), kept + text);
  assert.equal(fs.existsSync(cutPlanPath(file)), false);
  // Replaying twice (a kill right after the write-back) changes nothing.
  fs.writeFileSync(cutPlanPath(file), JSON.stringify({ size: 0, cut: Buffer.byteLength(kept), text }));
  resumeCut(file);
  assert.equal(fs.readFileSync(file, 'utf8'), kept + text);
});

test('resume cut: a last line without its newline that is kept gets one, so the next append starts a line', () => {
  const file = tmpFile(lines([step(1, 1)]) + JSON.stringify(step(2, 1)));
  dropMetricsAfter(file, () => true);
  fs.appendFileSync(file, JSON.stringify(step(3, 1)) + '\n');
  assert.equal(readAllMetricRecords(file).length, 3);
});

test('decimated history: bounded, keeps every event and eval, the spikes, the exact tail, and the same summary', () => {
  const recs: MetricRecord[] = [event(0, 'started')];
  let fp = 0;
  for (let t = 1; t <= 30_000; t++) {
    fp += 2;
    recs.push(step(t, t === 7_777 ? 50 : t === 12_345 ? Number.NaN : 1 + Math.sin(t) * 0.01, fp));
    if (t % 1000 === 0) {
      fp += 8;
      recs.push(evalAt(t, 1 / t, fp));
    }
    if (t === 20_000) recs.push(event(t, 'hyperparameters', 'lr 0.01 → 0.005'));
    if (t % 100 === 0) recs.push({ kind: 'layers', t, layers: [{ name: `w${t}`, size: 4, updateRms: t, thetaRms: 1, updateToWeight: 0.1 }] });
  }
  const file = tmpFile(lines(recs).replace(/null/g, 'null'));
  const full = readAllMetricRecords(file);
  const h = readMetricsHistory(file, { buckets: 200, tail: 500, chunkBytes: 64 * 1024 });
  assert.ok(h.records.length < 2000, `kept ${h.records.length}`);
  assert.equal(h.info.totalRecords, full.length);
  assert.equal(h.info.decimated, true);
  assert.equal(h.records.filter((r) => r.kind === 'eval').length, 30);
  assert.equal(h.records.filter((r) => r.kind === 'event').length, 2);
  assert.ok(h.records.some((r) => r.kind === 'step' && r.loss === 50), 'the loss spike is kept');
  assert.ok(h.records.some((r) => r.kind === 'step' && r.t === 12_345), 'the non-finite step is kept');
  const nonLayers = full.filter((r) => r.kind !== 'layers');
  assert.deepEqual(h.records.filter((r) => r.kind !== 'layers').slice(-500), nonLayers.slice(-500), 'the newest records are verbatim');
  assert.equal(h.info.tailFrom, nonLayers[nonLayers.length - 500].t);
  const layersKept = h.records.filter((r) => r.kind === 'layers');
  assert.deepEqual(layersKept[layersKept.length - 1], full.filter((r) => r.kind === 'layers').pop(), 'the newest layers record, parsed in full');
  assert.ok(layersKept.length >= 64 && layersKept.length <= 64 + 200, `layers kept ${layersKept.length}`);
  const ts = h.records.map((r) => r.t);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'in file order');
  assert.deepEqual(summarizeRecords(h.records), summarizeRecords(full));
});

test('decimated history of a short run is the whole run; a missing file is an empty one', () => {
  const recs = [event(0, 'started'), step(1, 1), step(2, 0.5)];
  const file = tmpFile(lines(recs));
  assert.deepEqual(readMetricsHistory(file).records, recs);
  assert.equal(readMetricsHistory(path.join(path.dirname(file), 'none.jsonl')).info.totalRecords, 0);
});

test('the runs-view tail reads a file larger than its chunk and a multi-byte character split between chunks', () => {
  const recs: MetricRecord[] = [];
  for (let t = 1; t <= 5000; t++) recs.push(event(t, 'warning', '曲'.repeat(t % 5)), step(t, 1));
  recs.push(evalAt(5000, 0.25, 10_000));
  const file = tmpFile(lines(recs));
  assert.ok(fs.statSync(file).size > (1 << 20), 'larger than one 1 MiB chunk');
  const tail = new MetricsTail(file);
  tail.refresh();
  assert.equal(tail.lastStep, 5000);
  assert.deepEqual(tail.bestEval, { t: 5000, loss: 0.25 });
  assert.equal(tail.badLines, 0);
});
