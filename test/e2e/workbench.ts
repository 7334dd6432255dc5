/**
 * The end-to-end tier's harness: the extension exactly as users get it (`npm run package` → .vsix,
 * `--install-extension`), in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, installed from
 * the npm registry by scripts/e2e/install-code-server.mjs), serving a scaffolded demo workspace on
 * 127.0.0.1, driven by playwright-core in Debian's chromium. Every request not to 127.0.0.1 is
 * aborted (and recorded), so the tier never reaches any other address.
 *
 * Each setup step fails with `e2e step "<name>": <reason>`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
const THEMES = { dark: 'Default Dark Modern', light: 'Default Light Modern', hc: 'Default High Contrast' } as const;
/** The class the workbench carries in each theme. */
const THEME_CLASS: Record<keyof typeof THEMES, string> = { dark: 'vs-dark', light: 'vs', hc: 'hc-black' };
export type Theme = keyof typeof THEMES;

export async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith('e2e step')) throw e;
    throw new Error(`e2e step "${name}": ${msg}`);
  }
}

function run(name: string, cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`e2e step "${name}": cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`e2e step "${name}": \`${cmd} ${args.join(' ')}\` exited ${r.status}\n${tail}`);
  }
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Workbench {
  page: Page;
  workspace: string;
  userDataDir: string;
  port: number;
  /** Requests the route refused (anything not to 127.0.0.1). */
  blocked: string[];
  /** Lines code-server printed (for failure messages). */
  serverLog: string[];
  /** The browser's console, every frame (webview frames included), and the webview service-worker requests seen. */
  browserLog: string[];
  /**
   * Refuse the next `n` requests for VS Code's webview service-worker script: a real fault in the real
   * host, the way a webview fails to start (microsoft/vscode#125993), for the reopen-on-blank test.
   */
  failServiceWorkerScripts(n: number): void;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Called with the scaffolded workspace before code-server starts (extra files, settings). */
  prepareWorkspace?: (dir: string) => void;
}

/** Packages and installs the extension, scaffolds the workspace, starts code-server and chromium, opens the workbench. */
export async function launchWorkbench(options: LaunchOptions = {}): Promise<Workbench> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const t0 = Date.now();
  const timed = (label: string) => console.log(`[e2e] ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const launcher = run('install code-server', process.execPath, [path.join(ROOT, 'scripts', 'e2e', 'install-code-server.mjs')]).trim().split('\n').pop()!;
  timed('code-server installed');

  const pkgOut = run('npm run package', 'npm', ['run', '--silent', 'package']);
  const vsixName = /([\w.-]+\.vsix)/.exec(pkgOut)?.[1];
  const vsix = vsixName ? path.join(ROOT, vsixName) : '';
  if (!vsix || !fs.existsSync(vsix)) throw new Error(`e2e step "npm run package": no .vsix named in its output:\n${pkgOut}`);
  timed(`packaged ${vsixName}`);

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-e2e-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  const workspace = path.join(base, 'workspace');
  const config = path.join(base, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeUserSettings(userDataDir, 'dark');
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check'];

  run('install the .vsix', process.execPath, [launcher, ...common, '--install-extension', vsix]);
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('helene-studio.'));
  if (installed.length !== 1) throw new Error(`e2e step "install the .vsix": expected one helene-studio.* in ${extensionsDir}, found ${JSON.stringify(fs.readdirSync(extensionsDir))}`);
  timed('extension installed');

  run('scaffold the demo workspace', process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'scaffold', workspace]);
  options.prepareWorkspace?.(workspace);

  const port = await freePort();
  const serverLog: string[] = [];
  const server: ChildProcess = spawn(
    process.execPath,
    [launcher, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-getting-started-override', workspace],
    { cwd: base, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: base } },
  );
  for (const s of [server.stdout!, server.stderr!]) s.on('data', (b: Buffer) => serverLog.push(...b.toString().split('\n').filter(Boolean)));
  let exited: number | null = null;
  server.on('exit', (code) => (exited = code ?? -1));
  const origin = `http://127.0.0.1:${port}`;
  await step('code-server answers /healthz', () =>
    waitFor(
      '/healthz',
      async () => {
        if (exited !== null) throw new Error(`code-server exited ${exited}:\n${serverLog.slice(-20).join('\n')}`);
        return (await fetch(`${origin}/healthz`)).ok;
      },
      60_000,
      250,
    ),
  );
  timed(`code-server up on ${origin}`);

  const browser: Browser = await step('launch chromium', () =>
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }),
  );
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const blocked: string[] = [];
  const browserLog: string[] = [];
  const stamp = () => new Date().toISOString().slice(11, 23);
  let failWorkers = 0;
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.pathname.endsWith('/service-worker.js')) {
      const refuse = failWorkers > 0;
      if (refuse) failWorkers--;
      browserLog.push(`${stamp()} [route] ${refuse ? 'REFUSED' : 'served'} webview service worker ${u.searchParams.get('id') ?? ''}`);
      if (refuse) return route.abort();
    }
    if (u.hostname === '127.0.0.1') return route.continue();
    blocked.push(u.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    const url = m.location()?.url ?? '';
    const where = /webview\/browser\/pre\//.test(url) ? 'webview host frame' : /vscode-resource|\/webview\//.test(url) ? 'webview page' : 'workbench';
    browserLog.push(`${stamp()} [${m.type()}] ${where}: ${m.text().slice(0, 400)}`);
  });
  page.on('pageerror', (e) => browserLog.push(`${stamp()} [pageerror] ${e.message.slice(0, 400)}`));
  await step('open the workbench', async () => {
    await page.goto(`${origin}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench .activitybar', { timeout: 60_000 });
    await page.waitForSelector('.activitybar [aria-label^="HELENE Studio"]', { timeout: 60_000 });
  });
  timed('workbench loaded');

  return {
    page,
    workspace,
    userDataDir,
    port,
    blocked,
    serverLog,
    browserLog,
    failServiceWorkerScripts(n: number) {
      failWorkers = n;
    },
    async close() {
      fs.writeFileSync(path.join(ARTIFACTS, 'browser-console.log'), browserLog.join('\n') + '\n');
      await browser.close().catch(() => undefined);
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      if (exited === null) server.kill('SIGKILL');
      // Runtime processes started by the extension host are its children; they end with it.
    },
  };
}

export function writeUserSettings(userDataDir: string, theme: Theme, extra: Record<string, unknown> = {}): void {
  const settings = {
    'workbench.colorTheme': THEMES[theme],
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'workbench.enableExperiments': false,
    'chat.disableAIFeatures': true,
    ...extra,
  };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Screenshots of the current state in the dark and the light theme (switched from the palette, as a user does). */
export async function screenshots(wb: Workbench, scenario: string): Promise<string[]> {
  const files: string[] = [];
  for (const theme of ['dark', 'light'] as const) {
    await setTheme(wb.page, theme);
    await wb.page.waitForTimeout(500); // webviews repaint after the theme's CSS variables change
    const file = path.join(ARTIFACTS, `${scenario}-${theme}.png`);
    await wb.page.screenshot({ path: file });
    files.push(path.relative(ROOT, file));
  }
  await setTheme(wb.page, 'dark');
  return files;
}

export async function setTheme(page: Page, theme: Theme): Promise<void> {
  const cls = THEME_CLASS[theme];
  const isOn = () => page.evaluate((c) => document.querySelector('.monaco-workbench')?.classList.contains(c) ?? false, cls);
  if (await isOn()) return;
  await runCommand(page, 'Preferences: Color Theme');
  await step(`pick the theme ${THEMES[theme]}`, async () => {
    // The theme picker replaces the palette in the same widget: wait for its own placeholder first.
    const input = page.locator('.quick-input-widget input.input[placeholder*="Color Theme"]');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(THEMES[theme]);
    // Its row reads "Light Modern  Default Light Modern"; "Browse Additional Color Themes…" also matches the filter.
    // "Default High Contrast" is also the start of "Default High Contrast Light".
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: THEMES[theme] }).filter({ hasNotText: theme === 'hc' ? /Browse|Light/ : 'Browse' }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await row.click();
    await waitFor(`the ${theme} theme`, isOn, 10_000);
  });
}

/** F1, the command's title, Enter: as a user runs a command from the palette. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await step(`run "${title}" from the command palette`, async () => {
    const input = page.locator('.quick-input-widget input.input');
    // The row whose label is exactly the title (fuzzy matching lists look-alikes first at times).
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    // Likely cause: the palette lists the commands enabled when it opens, and one opened in the first seconds of the
    // window, before workspace trust is settled, lacks every command whose enablement is
    // isWorkspaceTrusted (seen once: "Start HELENE run" missing for 10 s). Open it again rather than fail.
    for (let opening = 1; ; opening++) {
      await page.keyboard.press('Escape');
      await page.locator('.monaco-workbench').click({ position: { x: 5, y: 500 }, force: true }).catch(() => undefined);
      // F1 can be lost while focus moves out of a webview frame: press it again rather than fail.
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        const shown = await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 3_000 : 10_000 }).then(() => true, (e: Error) => (attempt < 3 ? false : Promise.reject(e)));
        if (shown) break;
      }
      // The palette can close again before it is typed in: a webview opened meanwhile (the recovery
      // scenario's reopened panel) takes the focus. Seen once in a clean-clone run: open it again.
      const typed = await input.fill(`>${title}`, { timeout: opening < 3 ? 5_000 : 30_000 }).then(() => true, (e: Error) => (opening < 3 ? false : Promise.reject(e)));
      if (!typed) continue;
      const found = await row.waitFor({ state: 'visible', timeout: opening < 3 ? 5_000 : 10_000 }).then(() => true, (e: Error) => (opening < 3 ? false : Promise.reject(e)));
      if (found) break;
    }
    await row.click();
  });
}

/**
 * A palette command whose first question is a quick pick, answered with `text`. Under load the pick
 * has been seen to close before it could be answered (focus moving to a webview); nothing has
 * happened yet at that point, so the command is run once more instead of failing the scenario.
 */
export async function runCommandAndPick(page: Page, title: string, text: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      await pickQuick(page, text);
      return;
    } catch (e) {
      if (attempt >= 2) throw e;
      console.log(`[e2e] retrying "${title}": its pick closed before "${text}" could be chosen`);
    }
  }
}

/** In an open quick pick: filter by `text` and accept the row that contains it. */
export async function pickQuick(page: Page, text: string, what = text): Promise<void> {
  await step(`pick "${what}"`, async () => {
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
  });
}

/** The frame of a webview whose page holds `selector` (each webview is a nested frame of the workbench). */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 15_000): Promise<Frame> {
  return waitFor(
    `a webview frame with ${selector}`,
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        if (await f.$(selector).catch(() => null)) return f;
      }
      return undefined;
    },
    timeoutMs,
    200,
  );
}

export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message').allInnerTexts();
}

export async function statusBarText(page: Page): Promise<string> {
  return page.locator('.statusbar').innerText();
}

/** The extension's Output channel ("HELENE Studio"), from the log file VS Code writes for it. */
export function outputChannelText(userDataDir: string): string {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('HELENE Studio.log')) found.push(p);
    }
  };
  const logs = path.join(userDataDir, 'logs');
  if (fs.existsSync(logs)) walk(logs);
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** The run folders under the workspace's runs/ (newest last). */
export function runDirs(workspace: string): string[] {
  const runs = path.join(workspace, 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs
    .readdirSync(runs)
    .map((d) => path.join(runs, d))
    .filter((d) => fs.existsSync(path.join(d, 'run.json')))
    .sort((a, b) => fs.statSync(a).birthtimeMs - fs.statSync(b).birthtimeMs);
}

export function readJson<T = any>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
