/**
 * The event-marker label layout (webview/marker-layout.ts) on its own: whatever the markers, no two
 * label boxes intersect and every box stays in the plot area; markers at nearly one x share a label.
 * Text is measured at a fixed 6 px per character (the page measures with the canvas).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxesIntersect, groupMarkers, layoutMarkers, type MarkerStyle, type PlacedMarker } from '../../webview/marker-layout';

const measure = (t: string) => 6 * t.length;
const area = { left: 50, right: 400, top: 30, bottom: 230 };

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LABELS = ['paused', 'resumed', 'lr=0.0015', 'provider', 'warning', 'guard: loss 12.3 > 4x median 1.56 — step skipped', 'eps=1e-3 lr=2e-4'];
const STYLES: MarkerStyle[] = ['pause', 'pause', 'change', 'warning', 'warning', 'guard', 'change'];

test('200 random marker sets: no two label boxes intersect, all inside the plot, every marker in one group', () => {
  const rand = prng(14);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rand() * 25);
    const markers: PlacedMarker[] = Array.from({ length: n }, () => {
      const k = Math.floor(rand() * LABELS.length);
      const px = area.left + Math.round(rand() * (area.right - area.left));
      return { px, x: px, label: LABELS[k], style: STYLES[k] };
    });
    const groups = layoutMarkers(markers, area, measure);
    const boxes = groups.flatMap((g) => (g.box ? [g.box] : []));
    for (let i = 0; i < boxes.length; i++) {
      assert.ok(boxes[i].x >= area.left && boxes[i].x + boxes[i].w <= area.right, `trial ${trial}: box outside ${JSON.stringify(boxes[i])}`);
      for (const line of boxes[i].lines) assert.ok(measure(line) <= boxes[i].w, `trial ${trial}: "${line}" wider than its box`);
      for (let j = i + 1; j < boxes.length; j++) assert.ok(!boxesIntersect(boxes[i], boxes[j]), `trial ${trial}: ${JSON.stringify([boxes[i], boxes[j]])}`);
    }
    assert.equal(groups.reduce((s, g) => s + g.members.length, 0), n, `trial ${trial}: every marker once`);
  }
});

test('markers within 4 px of a group\'s first line share one label, listed in order, repeats counted; no chaining', () => {
  const m = (px: number, label: string, style: MarkerStyle = 'pause'): PlacedMarker => ({ px, x: px - 50, label, style });
  const groups = groupMarkers([m(103, 'resumed'), m(100, 'paused'), m(101, 'lr=0.0015', 'change'), m(102, 'paused'), m(106, 'lr=0.002', 'change'), m(109, 'warning', 'warning')], 4);
  assert.deepEqual(groups.map((g) => g.label), ['paused ×2 · lr=0.0015 · resumed', 'lr=0.002 · warning']);
  assert.equal(groups[0].tooltip, '50: paused\n51: lr=0.0015\n52: paused\n53: resumed');
  assert.equal(groups[0].style, 'change', 'the most severe style colours the label');
  assert.equal(groups[1].style, 'warning');
});

test('a label that fits nowhere in full is shortened with … or left to the tooltip, never overprinted', () => {
  // Ten markers 10 px apart: room for a few labels in three lanes, the rest shortened or hidden.
  const markers = Array.from({ length: 10 }, (_, i): PlacedMarker => ({ px: 100 + 10 * i, x: i, label: `lr=0.00${i}5`, style: 'change' }));
  const groups = layoutMarkers(markers, area, measure);
  assert.equal(groups.length, 10);
  const drawn = groups.filter((g) => g.box);
  assert.ok(drawn.length >= 3 && drawn.length < 10, `${drawn.length} labels drawn`);
  assert.ok(groups.some((g) => g.box?.lines[0].endsWith('…')) || drawn.length < 10);
  for (const g of groups) assert.match(g.tooltip, /^\d: lr=/);
});
