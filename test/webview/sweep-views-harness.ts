/**
 * The sweep views page in headless Chromium, fed SweepViewsModels directly (the host's own
 * buildSweepViewsModel over the synthetic sweep): the real HTML shell (renderSweepHtml) under the CSP
 * the extension builds with VS Code's real cspSource; the webview stub records posted intents
 * (window.__posted), CSP violations and sets the theme's variables.
 */
import type { Page } from 'playwright-core';
import type { SweepViewsModel } from '../../runtime/protocol';
import { buildSweepViewsModel } from '../../runtime/runs/sweep-views-model';
import { renderSweepHtml } from '../../webview/sweep/sweep-html';
import { syntheticSweepRecord, syntheticSweepSnapshots } from '../fixtures/synthetic-sweep';
import * as path from 'node:path';
import { REPO_ROOT, buildWebviewBundle } from './build-panel-bundle';
import { openWebviewPages, VSCODE_CSP_SOURCE, type PageHarness } from './panel-harness';
import { startStaticServer } from './static-server';

const NONCE = 'c3dlZXAtdmlld3Mtbm9uY2U=';

/** Screenshots of the pages (issue 19). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

export async function startSweepViewsHarness(cspSource = VSCODE_CSP_SOURCE): Promise<PageHarness> {
  const bundle = await buildWebviewBundle('sweep');
  const server = await startStaticServer({
    '/': { type: 'text/html; charset=utf-8', body: (origin) => renderSweepHtml({ cspSource, nonce: NONCE, scriptUri: `${origin}/sweep.js`, title: 'Sweep views' }) },
    '/sweep.js': { type: 'text/javascript; charset=utf-8', body: bundle },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  });
  return openWebviewPages(server, 1000);
}

/** Post a model as the host does and wait until the page rendered it. */
export async function showSweep(page: Page, model: SweepViewsModel): Promise<void> {
  await page.evaluate((m) => {
    delete document.body.dataset.ready;
    window.postMessage({ type: 'sweep-data', model: m }, '*');
  }, model);
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** The synthetic sweep with known importances (lr > eps > seed), as the host builds it. */
export function syntheticSweepModel(): SweepViewsModel {
  const record = syntheticSweepRecord();
  return buildSweepViewsModel(record, syntheticSweepSnapshots(record));
}
