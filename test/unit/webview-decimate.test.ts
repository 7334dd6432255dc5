import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedHistory, DecimatedSeries } from '../../webview/panel/decimate';

test('a short series is returned exactly', () => {
  const s = new DecimatedSeries({ recent: 50, maxPoints: 200 });
  for (let i = 1; i <= 40; i++) s.push(i, i * i);
  assert.deepEqual(s.points(), Array.from({ length: 40 }, (_, k) => ({ x: k + 1, y: (k + 1) ** 2 })));
});

test('100,000 points stay within maxPoints, x ordered, the newest exact', () => {
  const s = new DecimatedSeries({ recent: 500, maxPoints: 2000 });
  const y = (i: number) => Math.sin(i / 100) + i * 1e-5;
  for (let i = 1; i <= 100_000; i++) s.push(i, y(i));
  const pts = s.points();
  assert.ok(pts.length <= 2000, `${pts.length} points`);
  assert.ok(pts.length >= 1000, `decimation kept too little: ${pts.length}`);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].x >= pts[i - 1].x, `x not ordered at ${i}`);
  const tail = pts.slice(-500);
  tail.forEach((p, k) => assert.deepEqual(p, { x: 99_501 + k, y: y(99_501 + k) }));
  assert.equal(s.size, 100_000);
  assert.deepEqual(s.last(), { x: 100_000, y: y(100_000) });
});

test('spikes in old data survive decimation (min/max buckets)', () => {
  const s = new DecimatedSeries({ recent: 100, maxPoints: 400 });
  for (let i = 1; i <= 50_000; i++) s.push(i, i === 1234 ? 99 : i === 4321 ? -99 : 1);
  const ys = s.points().map((p) => p.y);
  assert.ok(ys.includes(99), 'the maximum spike was lost');
  assert.ok(ys.includes(-99), 'the minimum spike was lost');
});

test('a bucket of only non-finite values becomes a gap, finite neighbours are kept', () => {
  const s = new DecimatedSeries({ recent: 10, maxPoints: 30 });
  for (let i = 1; i <= 20; i++) s.push(i, i <= 5 ? Number.NaN : i);
  const pts = s.points();
  assert.ok(Number.isNaN(pts[0].y), 'expected a NaN gap point first');
  assert.deepEqual(pts[pts.length - 1], { x: 20, y: 20 });
});

test('BoundedHistory merges pairwise and counts every item once', () => {
  const h = new BoundedHistory<number, { n: number }>(
    { open: (i) => ({ n: i }), add: (b, i) => void (b.n += i), merge: (a, b) => ({ n: a.n + b.n }) },
    { recent: 3, buckets: 4 },
  );
  for (let i = 1; i <= 1000; i++) h.push(i);
  assert.ok(h.buckets().length <= 4);
  assert.deepEqual(h.recent(), [998, 999, 1000]);
  const archived = h.buckets().reduce((a, b) => a + b.n, 0);
  assert.equal(archived + 998 + 999 + 1000, (1000 * 1001) / 2);
});
