/** JSON-lines datasets: errors name file and line, the skip policy counts, order is seeded and resumable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, type InputSpec } from '../../runtime/data/dataset';
import { DataError } from '../../runtime/data/jsonl';
import { epochPermutation } from '../../runtime/data/shuffle';
import { TrainBatcher } from '../../runtime/data/batcher';

const specs: InputSpec[] = [
  { name: 'x', key: 'x', type: 'float32', width: 2, exampleShape: [2] },
  { name: 'labels', key: 'label', type: 'int64', width: 1, exampleShape: [] },
];

function file(lines: string[]): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'helene-data-')), 'd.jsonl');
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

const good = (i: number) => JSON.stringify({ x: [i, -i], label: i % 3 });

test('a line that is not JSON fails with file:line and the fix', () => {
  const f = file([good(0), '{"x": [1, 2], "label": ', good(2)]);
  assert.throws(() => loadDataset(f, specs, 'fail'), (e: Error) => e instanceof DataError && e.message.startsWith(`${f}:2: line is not valid JSON`) && /badLines/.test(e.message));
});

test('a missing field, a wrong width and a label out of range are each named', () => {
  assert.throws(() => loadDataset(file([good(0), '{"x": [1, 2]}']), specs, 'fail'), /:2: line misses field "label"/);
  assert.throws(() => loadDataset(file(['{"x": [1], "label": 0}']), specs, 'fail'), /:1: field "x" \(graph input "x"\) has 1 values, the model expects 2/);
  assert.throws(() => loadDataset(file([good(0), '{"x": [1, 2], "label": 7}']), specs, 'fail', { input: 'labels', count: 3 }), /:2: field "label" .* label 7, out of range \[0, 2\] for a 3-class model/);
});

test('the skip policy keeps the good lines and counts the bad ones with their line numbers', () => {
  const d = loadDataset(file([good(0), 'garbage', good(2), '{"x": [1, 2]}', good(4)]), specs, 'skip');
  assert.equal(d.size, 3);
  assert.deepEqual(d.skippedLines.map((s) => s.line), [2, 4]);
  assert.deepEqual(Array.from(d.columns[0].values), [0, 0, 2, -2, 4, -4]);
});

test('an empty dataset is an error naming the file', () => {
  const f = file(['']);
  assert.throws(() => loadDataset(f, specs, 'fail'), new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the dataset is empty`));
});

test('epoch order is a seeded permutation, different per epoch, identity without shuffle', () => {
  const a = epochPermutation(100, 7, 0, true);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(epochPermutation(100, 7, 0, true), a, 'deterministic');
  assert.notDeepEqual(epochPermutation(100, 7, 1, true), a, 'another epoch, another order');
  assert.notDeepEqual(epochPermutation(100, 8, 0, true), a, 'another seed, another order');
  assert.deepEqual(Array.from(epochPermutation(5, 7, 0, false)), [0, 1, 2, 3, 4]);
});

test('batches straddle epochs with a constant size, and a restored cursor replays the same batches', () => {
  const d = loadDataset(file(Array.from({ length: 10 }, (_, i) => good(i))), specs, 'fail');
  const b = new TrainBatcher(d, 4, 3, true);
  const seen: number[][] = [];
  for (let i = 0; i < 5; i++) seen.push(Array.from(b.next().x.data as Float32Array).filter((_, k) => k % 2 === 0));
  assert.equal(seen.flat().length, 20);
  assert.deepEqual(seen.slice(0, 2).flat().concat(seen[2].slice(0, 2)).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'first epoch covers every example once');
  const replay = new TrainBatcher(d, 4, 3, true);
  replay.setCursor({ epoch: 1, position: 2 });
  const fresh = new TrainBatcher(d, 4, 3, true);
  for (let i = 0; i < 3; i++) fresh.next(); // 12 examples: epoch 1, position 2
  assert.deepEqual(fresh.cursor, { epoch: 1, position: 2 });
  assert.deepEqual(Array.from(replay.next().x.data as Float32Array), Array.from(fresh.next().x.data as Float32Array));
  assert.equal((b.next().labels.data as BigInt64Array).constructor, BigInt64Array);
});
