/**
 * Headless-Chromium harness for the compare page: serves the real HTML shell and the built bundle
 * (dist/webview/compare.js) from a fake origin, stubs acquireVsCodeApi, and connects the page to a
 * real CompareController in this Node process, standing in for the extension host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import { CompareController } from '../../runtime/runs/compare-controller';
import type { HostToCompare } from '../../runtime/protocol';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ORIGIN = 'http://compare.test';
const BUNDLE = path.resolve(__dirname, '../../dist/webview/compare.js');

export interface Saved {
  name: string;
  content: Buffer;
}

export interface ComparePage {
  browser: Browser;
  page: Page;
  controller: CompareController;
  saved: Saved[];
  opened: string[];
  posted: HostToCompare[];
  close(): Promise<void>;
}

export async function openComparePage(runDirs: string[], saveDir: string): Promise<ComparePage> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const saved: Saved[] = [];
  const opened: string[] = [];
  const posted: HostToCompare[] = [];
  const controller = new CompareController(runDirs, {
    post: async (message) => {
      posted.push(message);
      await page.evaluate((m) => window.postMessage(m, '*'), message);
    },
    saveFile: async (name, content) => {
      const file = path.join(saveDir, name);
      fs.writeFileSync(file, content);
      saved.push({ name, content: Buffer.from(content) });
      return file;
    },
    openRun: (dir) => opened.push(dir),
  });
  // Messages from the page reach the controller through a binding, asynchronously like postMessage.
  await page.exposeBinding('__toHost', (_source, msg: unknown) => {
    void controller.handle(msg);
  });
  // A string, not a function: tsx would compile a function with esbuild's __name helper, which the
  // page does not have.
  await page.addInitScript({
    content: `(() => {
      let state;
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__toHost(m),
        getState: () => state,
        setState: (s) => { state = s; },
      });
    })();`,
  });
  const html = renderCompareHtml({ cspSource: ORIGIN, nonce: 'dGVzdG5vbmNl', scriptUri: `${ORIGIN}/compare.js`, title: 'Compare runs' });
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = route.request().url();
    if (url.endsWith('/compare.js')) return route.fulfill({ contentType: 'text/javascript', body: fs.readFileSync(BUNDLE, 'utf8') });
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  try {
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  } catch (e) {
    // Never leave a browser behind: it would keep the test process alive.
    await browser.close();
    throw new Error(`the compare page did not start: ${e instanceof Error ? e.message : String(e)}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
  }
  return { browser, page, controller, saved, opened, posted, close: () => browser.close() };
}
