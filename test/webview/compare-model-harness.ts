/**
 * The compare page in headless Chromium, fed CompareViewModels directly (the host's own
 * buildCompareViewModel over synthetic runs), for the layout, colour and CSP tests: no run folders,
 * no controller. The real HTML shell (renderCompareHtml) under the CSP the extension builds with
 * VS Code's real cspSource; the webview stub records CSP violations and posted intents and sets
 * the theme's variables.
 */
import type { Page } from 'playwright-core';
import type { CompareViewModel } from '../../runtime/protocol';
import { buildCompareViewModel } from '../../runtime/runs/compare-model';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import { buildWebviewBundle } from './build-panel-bundle';
import { openWebviewPages, VSCODE_CSP_SOURCE, type PageHarness } from './panel-harness';
import { startStaticServer, type StaticServer } from './static-server';
import { DEFAULT_SYNTHETIC, buildSyntheticRun } from './synthetic-run';

const NONCE = 'Y29tcGFyZS1ub25jZS0xMjM0NTY=';

export type CompareModelHarness = PageHarness;

export async function startCompareModelHarness(cspSource = VSCODE_CSP_SOURCE): Promise<CompareModelHarness> {
  const bundle = await buildWebviewBundle('compare');
  const server: StaticServer = await startStaticServer({
    '/': { type: 'text/html; charset=utf-8', body: (origin) => renderCompareHtml({ cspSource, nonce: NONCE, scriptUri: `${origin}/compare.js`, title: 'Compare runs' }) },
    '/compare.js': { type: 'text/javascript; charset=utf-8', body: bundle },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  });
  return openWebviewPages(server, 900);
}

/** Post a model as the host does and wait until the page rendered it. */
export async function showModel(page: Page, model: CompareViewModel): Promise<void> {
  await page.evaluate((m) => {
    delete document.body.dataset.ready;
    window.postMessage({ type: 'compare-data', model: m }, '*');
  }, model);
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * Realistic run ids and names (timestamped folder names, optimizer and lr in the name), each run a
 * synthetic HELENE or MeZO run of `steps` steps with its own seed and lr, so curves, summary rows
 * and config diffs differ. `maxPoints`: the host's decimation of each curve (its default when not given).
 */
export function syntheticComparison(ids: readonly string[], steps = 300, maxPoints?: number): CompareViewModel {
  const runs = ids.map((id, i) => {
    const lr = [1e-3, 3e-3, 5e-4, 2e-3][i % 4];
    const run = buildSyntheticRun({ ...DEFAULT_SYNTHETIC, steps, seed: 100 + i, lr, changeAt: 0, statsEvery: Math.max(10, Math.floor(steps / 20)), evalEvery: Math.max(50, Math.floor(steps / 10)) });
    // The optimizer the id names (…-mezo-lr1e-3-…), so names, optimizers and config diffs agree.
    const optimizer = /-(helene|mezo|hizoo|zo-adam)-/.exec(id)?.[1] ?? 'helene';
    const manifest = {
      ...run.manifest,
      id,
      name: id.replace(/^\d{8}-\d{6}-/, ''),
      config: { ...run.manifest.config, optimizer: { ...run.manifest.config.optimizer, name: optimizer, lr } },
      optimizer: { ...run.manifest.optimizer, name: optimizer },
    } as typeof run.manifest;
    return { id, snapshot: { manifest, status: run.status, summary: run.summary, records: run.records } };
  });
  return buildCompareViewModel(runs, { maxPoints });
}

export function runIds(n: number, tag = 'a'): string[] {
  const kinds = ['helene-lr1e-3', 'mezo-lr1e-3', 'helene-layerwise-lr3e-3', 'hizoo-lr5e-4', 'zo-adam-lr2e-3'];
  return Array.from({ length: n }, (_, i) => `20261205-${String(100000 + i * 137).padStart(6, '0')}-${kinds[i % kinds.length]}-${tag}${i}`);
}
