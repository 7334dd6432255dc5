/**
 * The Experiments page in headless Chromium: the real HTML shell (renderExperimentsHtml) under the
 * CSP the extension builds with VS Code's cspSource, the bundle built in memory, fed view models
 * that the host's own code builds (RunFolderSource + buildExperimentsModel) over synthetic run
 * folders (scripts/experiment-runs-fixture.ts). The webview stub records posted intents.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { ExperimentsViewModel, HostToExperiments } from '../../runtime/protocol';
import { buildExperimentsModel, DEFAULT_VIEW_STATE, type ExperimentsViewState } from '../../runtime/runs/experiment-rows';
import { RunFolderSource } from '../../runtime/runs/experiment-source';
import { renderExperimentsHtml } from '../../webview/experiments/experiments-html';
import { writeExperimentRuns, type ExperimentRunsOptions } from '../../scripts/experiment-runs-fixture';
import { buildWebviewBundle } from './build-panel-bundle';
import { openWebviewPages, VSCODE_CSP_SOURCE, type PageHarness } from './panel-harness';
import { startStaticServer } from './static-server';

const NONCE = 'ZXhwZXJpbWVudHMtbm9uY2U=';

export async function startExperimentsHarness(): Promise<PageHarness> {
  const bundle = await buildWebviewBundle('experiments');
  const server = await startStaticServer({
    '/': { type: 'text/html; charset=utf-8', body: (origin) => renderExperimentsHtml({ cspSource: VSCODE_CSP_SOURCE, nonce: NONCE, scriptUri: `${origin}/experiments.js`, title: 'Experiments' }) },
    '/experiments.js': { type: 'text/javascript; charset=utf-8', body: bundle },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  });
  return openWebviewPages(server, 1400);
}

/** Synthetic run folders in a temp dir, and a model over them as the host builds it. */
export function fixtureModel(options: Partial<ExperimentRunsOptions>, state: Partial<ExperimentsViewState> = {}): { model: ExperimentsViewModel; runsDir: string; hostMs: number; cleanup(): void } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-exp-page-'));
  const runsDir = path.join(tmp, 'runs');
  writeExperimentRuns(runsDir, options);
  const t0 = performance.now();
  const model = buildExperimentsModel(new RunFolderSource(runsDir).entries(), { ...DEFAULT_VIEW_STATE, ...state }, [runsDir]);
  const hostMs = performance.now() - t0;
  return { model, runsDir, hostMs, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

export async function post(page: Page, message: HostToExperiments): Promise<void> {
  await page.evaluate((m) => {
    delete document.body.dataset.ready;
    window.postMessage(m, '*');
  }, message);
  await page.waitForSelector('body[data-ready="true"]');
  await settle(page);
}

export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

interface Debug {
  shownIds(): string[];
  items(): string[];
  columns(): string[];
  drawnRange(): [number, number];
  lastRenderMs(): number;
  scrollToIndex(i: number): void;
  renderedFilter(): string;
}

export function debug<K extends keyof Debug>(page: Page, key: K, arg?: number): Promise<ReturnType<Debug[K]>> {
  return page.evaluate(([k, a]) => {
    const d = (window as unknown as { __heleneExperimentsDebug: Record<string, (x?: number) => unknown> }).__heleneExperimentsDebug;
    return d[k as string](a as number | undefined);
  }, [key, arg] as const) as Promise<ReturnType<Debug[K]>>;
}

export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

/** Type into the filter and wait until the page rendered with it (the input is debounced). */
export async function setFilter(page: Page, text: string): Promise<void> {
  await page.fill('#filter', text);
  await page.waitForFunction((t) => (window as unknown as { __heleneExperimentsDebug: { renderedFilter(): string } }).__heleneExperimentsDebug.renderedFilter() === t, text);
  await settle(page);
}
