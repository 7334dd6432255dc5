/**
 * Run colours of the compare page (webview/run-colours.ts): derived from the run id, so a
 * run keeps its colour from one comparison to the next unless a run with a smaller id claims its
 * hue family in that comparison; up to 10 runs never share a family, up to 20 never a colour.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUN_PALETTE, assignRunColours, preferredSlot, runColourMap } from '../../webview/run-colours';

const pool = Array.from({ length: 60 }, (_, i) => `20261205-${String(120000 + 97 * i)}-${['helene', 'mezo', 'hizoo'][i % 3]}-lr${(i % 7) + 1}e-3`);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random comparisons: a run that wins its family has its preferred colour; the order of the ids does not matter', () => {
  const rand = prng(19);
  let kept = 0;
  for (let trial = 0; trial < 300; trial++) {
    const n = 2 + Math.floor(rand() * 19);
    const ids = [...pool].sort(() => rand() - 0.5).slice(0, n);
    const slots = assignRunColours(ids);
    assert.deepEqual(assignRunColours([...ids].reverse()), slots, 'order-independent');
    for (const id of ids) {
      const family = RUN_PALETTE[preferredSlot(id)].family;
      const wins = !ids.some((o) => o < id && RUN_PALETTE[preferredSlot(o)].family === family);
      if (wins) {
        assert.equal(slots.get(id), preferredSlot(id), `${id} in ${n} runs`);
        kept++;
      }
    }
    const used = [...slots.values()];
    assert.equal(new Set(used).size, n, `trial ${trial}: ${n} runs, ${new Set(used).size} colours`);
    if (n <= 10) assert.equal(new Set(used.map((s) => RUN_PALETTE[s].family)).size, n, `trial ${trial}: a hue family twice among ${n} runs`);
  }
  assert.ok(kept > 1000, `${kept} runs kept their colour`);
});

test('a run keeps its colour when the comparison around it changes (no collision)', () => {
  const [a, b, c, d] = pool.filter((id, i, all) => all.findIndex((o) => RUN_PALETTE[preferredSlot(o)].family === RUN_PALETTE[preferredSlot(id)].family) === i);
  const first = runColourMap([a, b, c], 'dark');
  const second = runColourMap([d, c, b], 'dark');
  assert.equal(second.get(b), first.get(b));
  assert.equal(second.get(c), first.get(c));
  // Light and dark themes use one slot per run, in that theme's shade.
  const light = runColourMap([a, b, c], 'light');
  assert.equal(light.get(b), RUN_PALETTE[preferredSlot(b)].light);
  assert.notEqual(light.get(b), first.get(b));
});

test('the second shade of a family is used only once every family has a run', () => {
  const rand = prng(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + Math.floor(rand() * 9);
    const ids = [...pool].sort(() => rand() - 0.5).slice(0, n);
    const slots = [...assignRunColours(ids).values()];
    assert.ok(slots.every((s) => s < 10), `trial ${trial}: ${n} runs got a second shade: ${slots.join(' ')}`);
  }
});
