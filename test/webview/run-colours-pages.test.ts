/**
 * One run, one colour across pages (issue 19, item 3): the run panel's colour chip shows the colour
 * the compare page gives the run, and two different comparisons containing it show it in that same
 * colour, in the dark and the light theme. The colours are read as the browser computes them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { preferredSlot, RUN_PALETTE } from '../../webview/run-colours';
import { runIds, showModel, startCompareModelHarness, syntheticComparison } from './compare-model-harness';
import { replayIntoPanel, startPanelHarness, type PageHarness } from './panel-harness';
import { DEFAULT_SYNTHETIC, buildSyntheticRun } from './synthetic-run';
import { DARK_THEME, LIGHT_THEME } from './vscode-webview-stub';

let panels: PageHarness;
let compares: PageHarness;
before(async () => {
  panels = await startPanelHarness();
  compares = await startCompareModelHarness();
});
after(async () => {
  await panels?.close();
  await compares?.close();
});

const legendColour = (page: Page, id: string) =>
  page.$eval(`#run-legend li[data-run="${id}"] .swatch`, (el) => getComputedStyle(el).backgroundColor);

for (const [themeName, theme] of [['dark', DARK_THEME], ['light', LIGHT_THEME]] as const) {
  test(`${themeName} theme: the run panel's chip and two different comparisons show the run in one colour`, async () => {
    const ids = runIds(9, 'k');
    // ids[0] is the smallest id of every set below, so no run can take its hue family from it.
    const run = ids[0];
    const first = [ids[3], run, ids[1], ids[5]];
    const second = [ids[8], ids[7], run, ids[2], ids[6], ids[4]];
    const panel = await panels.open({ theme, width: 1000 });
    const compare = await compares.open({ theme, width: 1100 });
    try {
      const data = buildSyntheticRun({ ...DEFAULT_SYNTHETIC, steps: 60 });
      await replayIntoPanel(panel, { ...data, manifest: { ...data.manifest, id: run } });
      const chip = await panel.$eval('#run-colour', (el) => ({ hidden: (el as HTMLElement).hidden, colour: getComputedStyle(el).backgroundColor }));
      assert.equal(chip.hidden, false);
      const shown: string[] = [];
      for (const set of [first, second]) {
        await showModel(compare, syntheticComparison(set));
        shown.push(await legendColour(compare, run));
      }
      assert.equal(shown[0], chip.colour, 'first comparison vs the run panel');
      assert.equal(shown[1], chip.colour, 'second comparison vs the run panel');
      const hex = RUN_PALETTE[preferredSlot(run)][themeName];
      assert.equal(chip.colour, `rgb(${[1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)).join(', ')})`);
      assert.deepEqual([...panels.errors, ...compares.errors], []);
    } finally {
      await panel.close();
      await compare.close();
    }
  });
}
