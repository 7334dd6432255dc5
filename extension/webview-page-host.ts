/**
 * What the compare, sweep-views and experiments panels share: a WebviewPanel that may load only the
 * bundles and media/, one page shell with a fresh nonce, messages from the page handed to a
 * vscode-free controller (whose rejected intents are logged), "ready" tracking (a hidden page is
 * destroyed and posts 'ready' again when shown), and a postMessage whose failure is logged, never
 * thrown. Each panel keeps only its own effects (save dialogs, commands, reload triggers).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { PageShellOptions } from '../webview/page-shell';
import type { Output } from './output';
import { ThrottledReload } from './throttled-reload';
import { watchPageStart, type PageStartWatch } from './panel/stuck-webview';

/** The vscode-free side of a page: validates and handles each message; records what it refused. */
export interface PageController {
  handle(raw: unknown): Promise<void>;
  readonly rejected: readonly string[];
}

export interface PageHostOptions {
  extensionUri: vscode.Uri;
  output: Output;
  /** Prefix of every log line, e.g. "compare panel". */
  label: string;
  /** The page's bundle under dist/webview, e.g. "compare.js". */
  script: string;
  render(parts: PageShellOptions): string;
  /** Opens the same panel anew in `column`: what is done when its page never starts (webview-load-watchdog.ts). */
  reopen(column: vscode.ViewColumn | undefined): void;
}

/** A panel that may load only the webview bundles and media/, nothing from the workspace. */
export function createPagePanel(extensionUri: vscode.Uri, viewType: string, title: string): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  });
}

export class WebviewPageHost implements vscode.Disposable {
  private controller: PageController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private isReady = false;
  /** A page that never starts (VS Code's webview service worker) is reopened, never left blank. */
  private readonly pageStart: PageStartWatch;
  private reloads: ThrottledReload | undefined;

  constructor(readonly panel: vscode.WebviewPanel, private readonly options: PageHostOptions, onDispose: () => void) {
    this.pageStart = watchPageStart(panel, { key: `${options.label}: ${panel.title}`, what: `the ${options.label} "${panel.title}"`, output: options.output, reopen: options.reopen });
    panel.iconPath = vscode.Uri.joinPath(options.extensionUri, 'media', 'icon.png');
    panel.webview.html = options.render({
      cspSource: panel.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview', options.script)).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        this.pageStart.spoke();
        void this.onMessage(raw);
      }),
      panel.onDidChangeViewState(() => {
        // A hidden page is destroyed (no retainContextWhenHidden); it posts 'ready' again when shown.
        if (!panel.visible) this.isReady = false;
      }),
      this.pageStart,
      panel.onDidDispose(onDispose),
    );
  }

  /** Set once, right after construction (the controller's post goes through this host). */
  attach(controller: PageController): void {
    this.controller = controller;
  }

  /**
   * For a page over files that change (live runs): from now on scheduleReload() re-reads the
   * controller and pushes its model to a listening page, at most once per interval (throttled-reload.ts).
   */
  reloadEvery(intervalMs: number, controller: { reload(): unknown; push(): Promise<void> }): void {
    this.reloads = new ThrottledReload(
      intervalMs,
      () => controller.reload(),
      () => {
        if (this.isReady) void controller.push();
      },
      (message) => this.options.output.warn(`${this.options.label}: ${message}`),
    );
  }

  scheduleReload(): void {
    this.reloads?.schedule();
  }

  /** The page said 'ready' and has not been hidden since: pushes reach a listening page. */
  get ready(): boolean {
    return this.isReady;
  }

  async post(message: unknown): Promise<void> {
    try {
      await this.panel.webview.postMessage(message);
    } catch (e) {
      this.options.output.warn(`${this.options.label}: postMessage failed: ${String(e)}`);
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    const before = controller.rejected.length;
    const isReadyMessage = typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'ready';
    try {
      await controller.handle(raw);
    } catch (e) {
      this.options.output.error(`${this.options.label}: ${(e as Error).message}`);
    }
    for (const reason of controller.rejected.slice(before)) this.options.output.warn(`${this.options.label}: rejected a message from the webview: ${reason}`);
    if (isReadyMessage && controller.rejected.length === before) this.isReady = true;
  }

  dispose(): void {
    this.reloads?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
