/**
 * The Experiments page in headless Chromium (issue 19), fed the host's own view models over
 * synthetic run folders: default columns are the differing parameters; sorting by a column; text
 * and numeric-range filters (typed, and set by another view through the host's `filter` message);
 * choosing and ordering columns (posted to be saved, restored from the model); grouping; selecting
 * rows to compare; 1,000 runs virtualised, with the open time printed (not asserted: load-dependent).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ExperimentRow, ExperimentsViewModel } from '../../runtime/protocol';
import { debug, fixtureModel, post, posted, setFilter, settle, startExperimentsHarness } from './experiments-harness';
import type { PageHarness } from './panel-harness';

let h: PageHarness;
let fx: ReturnType<typeof fixtureModel>;
before(async () => {
  h = await startExperimentsHarness();
  fx = fixtureModel({ count: 24, steps: 200 }, { target: { kind: 'value', metric: 'evalLoss', value: 0.8 } });
});
after(async () => {
  await h?.close();
  fx?.cleanup();
});

async function openWith(model: ExperimentsViewModel, state?: Record<string, unknown>): Promise<Page> {
  const page = await h.open({ state, height: 700 });
  await post(page, { type: 'experiments-data', model: structuredClone(model) });
  return page;
}

const lr = (m: ExperimentsViewModel, r: ExperimentRow) => (r.params['optimizer.lr'] ?? m.sharedParams['optimizer.lr']) as number;

/** The header's column keys and the drawn rows' cells, as the DOM has them. */
async function headerKeys(page: Page): Promise<string[]> {
  return page.$$eval('.grid-head [data-col]', (cells) => cells.map((c) => (c as HTMLElement).dataset.col!));
}

describe('experiments table', () => {
  test('default columns: the parameters that differ across the runs, none of the shared ones', async () => {
    const m = fx.model;
    assert.deepEqual(m.differingParams, ['optimizer.beta2', 'optimizer.lr', 'optimizer.name', 'seed']);
    const page = await openWith(m);
    const keys = await headerKeys(page);
    const params = keys.filter((k) => k.startsWith('param:'));
    assert.deepEqual(params, ['param:optimizer.beta2', 'param:optimizer.lr', 'param:seed']);
    for (const k of ['name', 'status', 'optimizer', 'metric:evalLoss.best', 'metric:trainLoss.min', 'hit.passes', 'speedup.passes']) assert.ok(keys.includes(k), k);
    // The drawn rows carry the values: the first row's lr cell shows its lr.
    const first = await page.$eval('.grid-body .row[data-id]', (r) => ({ id: (r as HTMLElement).dataset.id!, lr: r.querySelector('[data-col="param:optimizer.lr"]')!.textContent }));
    const row = m.rows.find((r) => r.id === first.id)!;
    assert.equal(Number(first.lr), lr(m, row));
    assert.equal(h.errors.length, 0, h.errors.join('\n'));
    await page.close();
  });

  test('sort by a column: click the header (ascending, then descending), empty cells last', async () => {
    const m = fx.model;
    const page = await openWith(m);
    await page.click('.grid-head [data-col="metric:evalLoss.best"]');
    await settle(page);
    const asc = [...m.rows].sort((a, b) => a.metrics.evalLoss!.best - b.metrics.evalLoss!.best).map((r) => r.id);
    assert.deepEqual(await debug(page, 'shownIds'), asc);
    assert.equal(await page.$eval('.grid-head [data-col="metric:evalLoss.best"]', (c) => c.getAttribute('aria-sort')), 'ascending');
    const drawnFirst = await page.$eval('.grid-body .row[data-id]:not([hidden])', (r) => (r as HTMLElement).dataset.id);
    assert.equal(drawnFirst, asc[0]);
    await page.click('.grid-head [data-col="metric:evalLoss.best"]');
    await settle(page);
    assert.deepEqual(await debug(page, 'shownIds'), [...asc].reverse());
    // Speedup: rows without a hit (no baseline set: all) keep their order; with a sort on hits, misses go last.
    await page.click('.grid-head [data-col="hit.passes"]');
    await settle(page);
    const shown = await debug(page, 'shownIds');
    const passes = shown.map((id) => m.rows.find((r) => r.id === id)!.hit?.trainingPasses ?? null);
    const firstMiss = passes.indexOf(null);
    assert.ok(firstMiss > 0, 'some runs reach the target, some do not');
    assert.ok(passes.slice(firstMiss).every((p) => p === null), 'misses last');
    const hits = passes.slice(0, firstMiss) as number[];
    assert.deepEqual(hits, [...hits].sort((a, b) => a - b));
    await page.close();
  });

  test('filter: text, numeric ranges on a parameter and a metric, and a clear message for a bad clause', async () => {
    const m = fx.model;
    const page = await openWith(m);
    await setFilter(page, 'mezo');
    assert.deepEqual(await debug(page, 'shownIds'), m.rows.filter((r) => r.optimizer === 'mezo').map((r) => r.id));
    await setFilter(page, 'lr > 1e-3');
    const big = m.rows.filter((r) => lr(m, r) > 1e-3).map((r) => r.id);
    assert.ok(big.length > 0 && big.length < m.rows.length);
    assert.deepEqual(await debug(page, 'shownIds'), big);
    await setFilter(page, 'optimizer.lr>=1e-3 evalLoss.best < 0.7 helene');
    const expected = m.rows.filter((r) => lr(m, r) >= 1e-3 && r.metrics.evalLoss!.best < 0.7 && r.optimizer === 'helene').map((r) => r.id);
    assert.ok(expected.length > 0);
    assert.deepEqual(await debug(page, 'shownIds'), expected);
    await setFilter(page, 'foo > 1 mezo');
    assert.match(await page.textContent('#filter-errors') ?? '', /unknown column "foo" in "foo > 1"/);
    assert.deepEqual(await debug(page, 'shownIds'), m.rows.filter((r) => r.optimizer === 'mezo').map((r) => r.id), 'the other clauses still apply');
    await setFilter(page, '');
    // Another view (parallel-coordinates brushing) sets ranges through the host.
    await post(page, { type: 'filter', ranges: { 'optimizer.lr': [5e-4, 3e-3] } });
    const brushed = m.rows.filter((r) => lr(m, r) >= 5e-4 && lr(m, r) <= 3e-3).map((r) => r.id);
    assert.deepEqual(await debug(page, 'shownIds'), brushed);
    assert.match((await page.textContent('#range-chips')) ?? '', /optimizer\.lr ∈ \[5e-4, 0\.003\]/);
    const filtered = (await posted(page)).filter((p) => p.type === 'filtered').at(-1);
    assert.deepEqual(filtered?.ids, brushed, 'the page tells the host which runs the filter shows');
    await page.click('#range-chips button');
    await settle(page);
    assert.equal((await debug(page, 'shownIds')).length, m.rows.length);
    await page.close();
  });

  test('columns: hide one, move one, the layout is posted to be saved and restored from the model', async () => {
    const m = fx.model;
    const page = await openWith(m);
    const before = await headerKeys(page);
    await page.click('#columns-toggle');
    await page.click('#column-list li[data-col="status"] input');
    await settle(page);
    await page.click('#column-list li[data-col="metric:evalLoss.best"] button[data-move="up"]');
    await settle(page);
    const after = await headerKeys(page);
    const expected = before.filter((k) => k !== 'status');
    const i = expected.indexOf('metric:evalLoss.best');
    [expected[i - 1], expected[i]] = [expected[i], expected[i - 1]];
    assert.deepEqual(after, expected);
    // Add a shared parameter column (not shown by default).
    await page.click('#column-list li[data-col="param:optimizer.eps"] input');
    await settle(page);
    assert.equal((await headerKeys(page)).at(-1), 'param:optimizer.eps');
    const saves = (await posted(page)).filter((p) => p.type === 'save-columns');
    assert.deepEqual(saves.at(-1)?.columns, [...expected, 'param:optimizer.eps']);
    await page.close();
    // A new page with the saved layout in the model (what the host keeps in workspaceState).
    const again = await openWith({ ...m, columns: [...expected, 'param:optimizer.eps'] });
    assert.deepEqual(await headerKeys(again), [...expected, 'param:optimizer.eps']);
    await again.click('#columns-toggle');
    await again.click('#columns-reset');
    await settle(again);
    assert.deepEqual(await headerKeys(again), before);
    await again.close();
  });

  test('group by optimizer: a header per group with its count, a click folds it', async () => {
    const m = fx.model;
    const page = await openWith(m);
    await page.selectOption('#group-by', 'optimizer');
    await settle(page);
    const items = await debug(page, 'items');
    const groups = items.filter((i) => i.startsWith('group:'));
    const count = (o: string) => m.rows.filter((r) => r.optimizer === o).length;
    assert.deepEqual(groups, ['helene', 'hizoo', 'mezo', 'zo-adam'].map((o) => `group:${o}:${count(o)}`));
    // Rows follow their group header.
    const helene = items.slice(1, 1 + count('helene'));
    assert.ok(helene.every((id) => m.rows.find((r) => r.id === id)!.optimizer === 'helene'));
    await page.click('.row.group[data-group="helene"]');
    await settle(page);
    const folded = await debug(page, 'items');
    assert.equal(folded.length, items.length - count('helene'));
    assert.equal(folded[0], `group:helene:${count('helene')}`);
    await page.close();
  });

  test('select rows: Compare posts the chosen run ids; Delete asks the host (which confirms)', async () => {
    const m = fx.model;
    const page = await openWith(m);
    assert.equal(await page.$eval('#compare', (b) => (b as HTMLButtonElement).disabled), true);
    const ids = await page.$$eval('.grid-body .row[data-id]:not([hidden])', (rows) => rows.slice(0, 2).map((r) => (r as HTMLElement).dataset.id!));
    for (const id of ids) await page.click(`.row[data-id="${id}"] input[type="checkbox"]`);
    await settle(page);
    await page.click('#compare');
    await page.click('#delete');
    const intents = await posted(page);
    assert.deepEqual(intents.find((p) => p.type === 'compare')?.ids, ids);
    assert.deepEqual(intents.find((p) => p.type === 'delete')?.ids, ids);
    await page.close();
  });
});

describe('experiments table at 1,000 runs', () => {
  test('opens virtualised (few DOM rows), scrolls to the last run; open time printed', async () => {
    const big = fixtureModel({ count: 1000, steps: 100, evalEvery: 20, statsEvery: 50 }, { target: { kind: 'value', metric: 'evalLoss', value: 0.9 } });
    try {
      const page = await h.open({ height: 800 });
      const t0 = Date.now();
      await post(page, { type: 'experiments-data', model: big.model });
      const pageMs = Date.now() - t0;
      const firstRenderMs = await debug(page, 'lastRenderMs');
      const rowsInDom = await page.$$eval('.grid-body .row', (r) => r.length);
      assert.equal((await debug(page, 'shownIds')).length, 1000);
      assert.ok(rowsInDom < 80, `${rowsInDom} row elements for 1,000 runs: not virtualised`);
      await page.click('.grid-head [data-col="name"]');
      await settle(page);
      const shown = await debug(page, 'shownIds');
      await debug(page, 'scrollToIndex', 999);
      await settle(page);
      const lastDrawn = await page.$$eval('.grid-body .row[data-id]:not([hidden])', (rows) => rows.map((r) => (r as HTMLElement).dataset.id));
      assert.ok(lastDrawn.includes(shown[999]), 'the last run is drawn after scrolling to the end');
      const renderMs = await debug(page, 'lastRenderMs');
      const bytes = JSON.stringify(big.model).length;
      console.log(
        `# experiments open, 1,000 runs (100 steps each): host model ${big.hostMs.toFixed(0)} ms (cold, every metrics.jsonl read), ` +
          `page: first render ${firstRenderMs.toFixed(0)} ms (${pageMs} ms with the test's transfer of the model into the page), a re-render (sort) ${renderMs.toFixed(0)} ms, ${rowsInDom} row elements, model ${(bytes / 1e6).toFixed(2)} MB`,
      );
      await page.close();
    } finally {
      big.cleanup();
    }
  });
});
