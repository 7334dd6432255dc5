/**
 * The run panel in headless Chromium for the chart tests: the real HTML (renderPanelHtml) under the
 * CSP the extension builds, with VS Code's real cspSource by default ('self' https://*.vscode-cdn.net:
 * the page and its assets share one origin here, as they do behind VS Code's webview resource
 * host), the bundle built in memory, a run replayed through window messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToWebview } from '../../runtime/protocol';
import { renderPanelHtml } from '../../extension/panel/panel-html';
import { REPO_ROOT, buildPanelBundle } from './build-panel-bundle';
import { buildReplay } from './run-replay';
import { startStaticServer, type StaticServer } from './static-server';
import type { RunFolderData } from './synthetic-run';
import { DARK_THEME, webviewStubScript } from './vscode-webview-stub';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'webview');
/** webview.cspSource in VS Code 1.100.3 (field notes). */
export const VSCODE_CSP_SOURCE = "'self' https://*.vscode-cdn.net";
const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';

export interface PageHarness {
  browser: Browser;
  /** Page errors and console errors of every page opened. */
  errors: string[];
  /** bodyClass: VS Code's theme class on <body> (vscode-dark, vscode-light, vscode-high-contrast); default from the theme. */
  open(o?: { theme?: Record<string, string>; bodyClass?: string; width?: number; height?: number; state?: Record<string, unknown> }): Promise<Page>;
  close(): Promise<void>;
}
export type PanelHarness = PageHarness;

/**
 * Chromium over a served webview page (the panel's or the compare page's): each open() is a new page
 * with the webview stub (theme, saved state), its errors collected, ready once the page posted its
 * first intent; close() ends the browser and the server.
 */
export async function openWebviewPages(server: StaticServer, defaultWidth: number): Promise<PageHarness> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const errors: string[] = [];
  return {
    browser,
    errors,
    async open(o = {}) {
      const page = await browser.newPage({ viewport: { width: o.width ?? defaultWidth, height: o.height ?? 900 }, deviceScaleFactor: 1 });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.addInitScript({ content: webviewStubScript(o.theme ?? DARK_THEME, o.state, o.bodyClass) });
      await page.goto(`${server.origin}/`);
      await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

export async function startPanelHarness(cspSource = VSCODE_CSP_SOURCE): Promise<PanelHarness> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const bundle = await buildPanelBundle();
  const server: StaticServer = await startStaticServer({
    '/': {
      type: 'text/html; charset=utf-8',
      body: (origin) => renderPanelHtml({ cspSource, nonce: NONCE, scriptUri: `${origin}/panel.js`, styleUri: `${origin}/panel.css`, title: 'HELENE · test' }),
    },
    '/panel.js': { type: 'text/javascript; charset=utf-8', body: bundle },
    '/panel.css': { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(REPO_ROOT, 'media', 'panel.css')) },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  });
  return openWebviewPages(server, 1280);
}

export async function sendToPanel(page: Page, messages: HostToWebview[]): Promise<void> {
  await page.evaluate((ms) => ms.forEach((m) => window.postMessage(m, '*')), messages);
}

/** Wait until `messageCount` messages were handled and two frames were drawn after them. */
export async function settlePanel(page: Page, messageCount: number): Promise<void> {
  await page.waitForFunction((n) => ((window as unknown as { __heleneDebug?: { messages(): number } }).__heleneDebug?.messages() ?? 0) >= n, messageCount);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

export async function replayIntoPanel(page: Page, run: RunFolderData): Promise<void> {
  const r = buildReplay(run);
  await sendToPanel(page, [r.snapshot, ...r.live]);
  await settlePanel(page, 1 + r.live.length);
}
