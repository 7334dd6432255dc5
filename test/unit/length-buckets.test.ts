/**
 * Per-batch padding in the batcher and data.bucketByLength (runtime/data/batch-padding.ts,
 * length-buckets.ts) on a small text-shaped dataset: batch widths, contents, order and resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import type { Dataset } from '../../runtime/data/dataset';
import { TrainBatcher } from '../../runtime/data/batcher';
import { sequenceLayout } from '../../runtime/data/batch-padding';
import { bucketByLength, epochHead } from '../../runtime/data/length-buckets';
import { epochPermutation } from '../../runtime/data/shuffle';

const WIDTH = 16;
const DYNAMIC: ort.InferenceSession.ValueMetadata[] = [{ name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch', 'sequence'] }];

/** Example e has length 2 + (e·7 mod 15) and ids 1000·e + k, right-padded with 0 like the text loader. */
function textData(size: number): Dataset {
  const ids = new Float64Array(size * WIDTH);
  const mask = new Float64Array(size * WIDTH);
  for (let e = 0; e < size; e++) {
    const len = 2 + ((e * 7) % 15);
    for (let k = 0; k < len; k++) {
      ids[e * WIDTH + k] = 1000 * e + k;
      mask[e * WIDTH + k] = 1;
    }
  }
  const col = (name: string, values: Float64Array) => ({ spec: { name, key: name, type: 'int64' as const, width: WIDTH, exampleShape: [WIDTH] }, values });
  const labels = { spec: { name: 'labels', key: 'labels', type: 'int64' as const, width: 1, exampleShape: [] }, values: Float64Array.from({ length: size }, (_, e) => e % 2) };
  return { file: 'synthetic.jsonl', size, columns: [col('input_ids', ids), col('attention_mask', mask), labels], skippedLines: [] };
}

const exampleOf = (feeds: Record<string, ort.Tensor>, b: number) => Number((feeds.input_ids.data as BigInt64Array)[b * (feeds.input_ids.dims[1] as number)]) / 1000;

test('per-batch padding: each batch is as wide as its longest example and holds the same examples, cut on the right', () => {
  const data = textData(50);
  const layout = sequenceLayout(data, DYNAMIC).layout!;
  const narrow = new TrainBatcher(data, 4, 3, true, layout);
  const full = new TrainBatcher(data, 4, 3, true);
  for (let step = 0; step < 30; step++) {
    const a = narrow.next();
    const b = full.next();
    const w = a.input_ids.dims[1] as number;
    const examples = [0, 1, 2, 3].map((i) => exampleOf(b, i));
    assert.equal(w, Math.max(...examples.map((e) => 2 + ((e * 7) % 15))), `step ${step}: width of the longest example`);
    assert.equal(narrow.width, w);
    assert.deepEqual(a.labels.data, b.labels.data);
    for (let i = 0; i < 4; i++) {
      for (const name of ['input_ids', 'attention_mask']) {
        assert.deepEqual(
          Array.from((a[name].data as BigInt64Array).subarray(i * w, i * w + w)),
          Array.from((b[name].data as BigInt64Array).subarray(i * WIDTH, i * WIDTH + w)),
          `step ${step}, slot ${i}, ${name}`,
        );
      }
    }
  }
});

test('a fixed sequence length or no attention mask keeps full padding, with the reason', () => {
  const data = textData(8);
  const fixed = sequenceLayout(data, [{ name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch', 16] }]);
  assert.equal(fixed.layout, null);
  assert.match(fixed.fullWidthReason!, /fixed sequence length \(16\)/);
  const noMask = sequenceLayout({ ...data, columns: data.columns.filter((c) => c.spec.name !== 'attention_mask') }, DYNAMIC);
  assert.equal(noMask.layout, null);
  assert.match(noMask.fullWidthReason!, /no attention_mask/);
});

test('bucketByLength: a seeded permutation of the epoch that keeps the head completing the previous batch', () => {
  const size = 1000;
  const lengths = Uint32Array.from({ length: size }, (_, e) => 2 + ((e * 7) % 15));
  for (const epoch of [0, 1, 2]) {
    const order = epochPermutation(size, 5, epoch, true);
    const bucketed = bucketByLength(order, lengths, 16, 5, epoch);
    assert.deepEqual([...bucketed].sort((a, b) => a - b), [...order].sort((a, b) => a - b), 'every example once');
    const head = epochHead(size, 16, epoch);
    assert.equal(head, (16 - ((epoch * size) % 16)) % 16);
    if (epoch === 1) assert.equal(head, 8, "1000 examples leave a batch half full");
    assert.deepEqual(bucketed.subarray(0, head), order.subarray(0, head), 'the head is the plain order');
    assert.deepEqual(bucketByLength(order, lengths, 16, 5, epoch), bucketed, 'deterministic');
  }
  const order = epochPermutation(size, 5, 0, true);
  assert.notDeepEqual(bucketByLength(order, lengths, 16, 5, 0), bucketByLength(order, lengths, 16, 6, 0), 'the seed changes the batch order');
});

test('bucketByLength through the batcher: much narrower batches, every example once per epoch, exact resume', () => {
  const data = textData(960);
  const layout = sequenceLayout(data, DYNAMIC).layout!;
  const width = (bucket: boolean) => {
    const b = new TrainBatcher(data, 16, 9, true, layout, bucket);
    let sum = 0;
    const seen = new Set<number>();
    for (let step = 0; step < 60; step++) {
      const feeds = b.next();
      sum += b.width!;
      for (let i = 0; i < 16; i++) seen.add(exampleOf(feeds, i));
    }
    return { mean: sum / 60, seen: seen.size };
  };
  const plain = width(false);
  const bucketed = width(true);
  assert.equal(bucketed.seen, 960, 'one epoch (60 batches of 16) shows every example once');
  assert.ok(bucketed.mean < 0.75 * plain.mean, `mean batch width ${bucketed.mean} bucketed vs ${plain.mean} plain`);

  // Straddling epochs (size not a multiple of B) and resuming from a cursor give the same batches.
  const odd = textData(101);
  const oddLayout = sequenceLayout(odd, DYNAMIC).layout!;
  const straight = new TrainBatcher(odd, 16, 9, true, oddLayout, true);
  const seq: number[][] = [];
  let cursorAt10 = straight.cursor;
  for (let step = 0; step < 40; step++) {
    if (step === 10) cursorAt10 = { ...straight.cursor };
    const feeds = straight.next();
    seq.push([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => exampleOf(feeds, i)));
  }
  const all = seq.flat();
  for (let e = 0; e < 6; e++) assert.equal(new Set(all.slice(e * 101, e * 101 + 101)).size, 101, `epoch ${e} shows every example once`);
  const resumed = new TrainBatcher(odd, 16, 9, true, oddLayout, true);
  resumed.setCursor(cursorAt10);
  for (let step = 10; step < 40; step++) {
    const feeds = resumed.next();
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => exampleOf(feeds, i)), seq[step], `step ${step} after resume`);
  }
});
