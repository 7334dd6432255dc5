/**
 * The run panel's host side: one WebviewPanel per run folder. The extension owns the state and
 * pushes view models (HostToWebview); the webview only posts intents (WebviewIntent), each checked
 * with validateWebviewIntent before anything acts on it.
 *
 * Lifecycle (no retainContextWhenHidden): when the panel is hidden its page is destroyed; when it
 * is shown again, or VS Code reloads and the serializer restores it, the page posts 'ready' and
 * gets a fresh 'snapshot' — from the live session's mirror while the run is alive, from the run
 * folder once it has ended. Appends are only sent between a 'ready' and the next hide.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  validateWebviewIntent,
  type ControlCommand,
  type HostToWebview,
  type MetricRecord,
  type RunStatus,
  type WebviewIntent,
} from '../../runtime/protocol';
import { loadRunHistoryText, type HistoryTiming } from './history-process';
import { MetricBatcher } from '../metric-batcher';
import type { Output } from '../output';
import type { RunRegistry } from '../run-registry';
import type { RunSession } from '../run-session';
import type { RemoteRunMirror } from '../sweeps/remote-run-mirror';
import { thinStepRecords } from './live-thinning';
import { PanelMemory } from './panel-memory';
import { renderPanelHtml } from './panel-html';
import { reportWebviewFailure } from './webview-failure';
import { watchPageStart, type PageStartWatch } from './stuck-webview';

export const RUN_PANEL_VIEW_TYPE = 'heleneStudio.runPanel';

export interface RunPanelDeps {
  extensionUri: vscode.Uri;
  registry: RunRegistry;
  output: Output;
  memory: PanelMemory;
}

/** Counters the VS Code test suite reads to see that data reached the panel. */
export interface RunPanelStats {
  snapshots: number;
  appendedRecords: number;
  statuses: number;
  rejected: number;
}

/** What the serializer expects the webview to keep with vscode.setState (see the report on the protocol). */
interface SavedState {
  runDir?: unknown;
}

export class RunPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, RunPanel>();

  readonly stats: RunPanelStats = { snapshots: 0, appendedRecords: 0, statuses: 0, rejected: 0 };
  private ready = false;
  private session: RunSession | undefined;
  /** A queue run whose folder is not on this machine: followed from its Redis stream instead. */
  private remote: RemoteRunMirror | undefined;
  private readonly detach: (() => void)[] = [];
  private readonly sessionListeners: (() => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly batcher: MetricBatcher;
  /** A page that never starts (VS Code's webview service worker) is reopened, never left blank. */
  private readonly pageStart: PageStartWatch;
  /** VS Code throws "Webview is disposed" on any use of a closed panel: never touch it once this is set. */
  private disposed = false;

  /** Open (or reveal) the panel of a run folder. */
  static show(deps: RunPanelDeps, runDir: string, column = vscode.ViewColumn.Beside, preserveFocus = false): RunPanel | undefined {
    const existing = RunPanel.panels.get(runDir);
    if (existing && !existing.disposed) {
      existing.panel.reveal(undefined, preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, panelTitle(runDir), { viewColumn: column, preserveFocus }, webviewOptions(deps.extensionUri));
    return RunPanel.build(deps, panel, runDir);
  }

  /**
   * Open the panel of a run on a queue worker, live from its Redis stream (`key`: where its folder would
   * be, so the panel is found again from the Sweeps view). The mirror is closed with the panel.
   */
  static showRemote(deps: RunPanelDeps, key: string, mirror: RemoteRunMirror): RunPanel | undefined {
    const existing = RunPanel.panels.get(key);
    if (existing && !existing.disposed) {
      mirror.close();
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, panelTitle(key), { viewColumn: vscode.ViewColumn.Beside }, webviewOptions(deps.extensionUri));
    const built = RunPanel.build(deps, panel, key);
    if (built) built.attachRemote(mirror);
    else mirror.close();
    return built;
  }

  /** The constructor, or the reason it failed shown to the user (never a blank tab, never a stale entry). */
  private static build(deps: RunPanelDeps, panel: vscode.WebviewPanel, runDir: string): RunPanel | undefined {
    try {
      return new RunPanel(deps, panel, runDir);
    } catch (e) {
      RunPanel.panels.delete(runDir);
      reportWebviewFailure(deps.output, `the run panel of ${path.basename(runDir)}`, panel, e);
      return undefined;
    }
  }

  /** Serializer entry: VS Code reloaded with this panel open. */
  static restore(deps: RunPanelDeps, panel: vscode.WebviewPanel, state: unknown): void {
    const saved = (state ?? {}) as SavedState;
    const runDir = typeof saved.runDir === 'string' ? saved.runDir : deps.memory.recall(panel.title);
    if (!runDir || !fs.existsSync(runDir)) {
      deps.output.warn(`could not restore the run panel "${panel.title}": ${runDir ? `${runDir} no longer exists` : 'it did not record its run folder'}`);
      panel.dispose();
      return;
    }
    const existing = RunPanel.panels.get(runDir);
    if (existing && !existing.disposed) {
      panel.dispose();
      existing.panel.reveal();
      return;
    }
    panel.webview.options = webviewOptions(deps.extensionUri);
    RunPanel.build(deps, panel, runDir);
  }

  static find(runDir: string): RunPanel | undefined {
    return RunPanel.panels.get(runDir);
  }

  static disposeAll(): void {
    for (const p of [...RunPanel.panels.values()]) p.panel.dispose();
  }

  private constructor(private readonly deps: RunPanelDeps, readonly panel: vscode.WebviewPanel, readonly runDir: string) {
    this.batcher = new MetricBatcher({ flush: (records) => this.postAppend(records) });
    // Disposal is tracked before anything that can throw, and the panel is listed only once built:
    // a listed panel whose tab was closed would be revealed instead of reopened ("Webview is disposed").
    this.disposables.push(panel.onDidDispose(() => this.dispose()));
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden page is destroyed; it asks again with 'ready' when shown.
        if (!panel.visible) this.notReady();
      }),
    );
    this.pageStart = watchPageStart(panel, {
      key: runDir,
      what: `the run panel of ${path.basename(runDir)}`,
      output: deps.output,
      reopen: (column) => RunPanel.show(deps, runDir, column ?? vscode.ViewColumn.Beside),
    });
    RunPanel.panels.set(runDir, this);
    deps.memory.remember(panel.title, runDir);
    this.attach(deps.registry.byRunDir(runDir));
    // A run of this folder started after the panel opened (a resume): follow it.
    this.detach.push(
      deps.registry.events.on('added', (session) => {
        const off = session.events.on('started', () => {
          off();
          if (session.runDir === runDir) this.attach(session, true);
        });
      }),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const asUri = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, ...segments)).toString();
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: asUri('dist', 'webview', 'panel.js'),
      styleUri: asUri('media', 'panel.css'),
      title: this.panel.title,
    });
  }

  private attach(session: RunSession | undefined, resend = false): void {
    this.session = session;
    for (const off of this.sessionListeners.splice(0)) off();
    if (!session) return;
    this.sessionListeners.push(
      session.events.on('records', (records) => {
        if (this.ready) this.batcher.push(records);
      }),
      session.events.on('status', (status) => this.postStatus(status)),
      // A resumed run's earlier records arrived: a fresh snapshot shows the whole run.
      session.events.on('history', () => {
        if (this.ready) void this.sendSnapshot();
      }),
      session.events.on('ended', (exit) => {
        if (exit.outcome === 'failed' || exit.outcome === 'crashed') this.post({ type: 'notice', level: 'error', text: exit.message });
        // The runtime's last records never arrived: the folder has them (the session is no longer live, so the snapshot is the folder's).
        else if (session.endReadFromFolder && this.ready) void this.sendSnapshot();
      }),
    );
    if (resend && this.ready) void this.sendSnapshot();
  }

  private attachRemote(mirror: RemoteRunMirror): void {
    this.remote = mirror;
    this.sessionListeners.push(
      mirror.events.on('records', (records) => {
        if (this.ready) this.batcher.push(records);
      }),
      mirror.events.on('status', (status) => this.postStatus(status)),
      mirror.events.on('history', () => {
        if (this.ready) void this.sendSnapshot();
      }),
      mirror.events.on('ended', (exit) => {
        if (exit.outcome === 'failed') this.post({ type: 'notice', level: 'error', text: exit.message });
      }),
      () => mirror.close(),
    );
    if (this.ready) void this.sendSnapshot();
  }

  private onMessage(raw: unknown): void {
    this.pageStart.spoke();
    const checked = validateWebviewIntent(raw);
    if (!checked.ok) {
      this.stats.rejected++;
      this.deps.output.warn(`run panel ${path.basename(this.runDir)}: rejected a message from the webview: ${checked.reason}`);
      return;
    }
    void this.onIntent(checked.value);
  }

  private async onIntent(intent: WebviewIntent): Promise<void> {
    switch (intent.type) {
      case 'ready':
        await this.sendSnapshot();
        return;
      case 'control':
        // The trace gets the host's stamp: the run records every hop of a pause/resume/stop.
        this.control({ type: intent.command, trace: { ...intent.trace, hostAt: Date.now() } });
        return;
      case 'set-hyperparameters':
        this.control({ type: 'set-hyperparameters', values: intent.values });
        return;
    }
  }

  private control(command: ControlCommand): void {
    if (this.remote) {
      this.post({ type: 'notice', level: 'error', text: 'This run is on a queue worker: stop it by stopping its sweep (HELENE: Stop sweep, or Ctrl-C where the sweep command runs).' });
      return;
    }
    const session = this.session;
    if (!session?.live) {
      this.post({ type: 'notice', level: 'error', text: 'This run is not running in this window, so it cannot be controlled from here.' });
      return;
    }
    const sent = session.process.send(command);
    if (sent.ok) this.deps.output.info(`[${session.name}] sent ${command.type}${command.type === 'set-hyperparameters' ? ` ${JSON.stringify(command.values)}` : ''} (applies at the next step)`);
    else this.post({ type: 'notice', level: 'error', text: `Could not send ${command.type}: ${sent.reason}` });
  }

  private async sendSnapshot(): Promise<void> {
    // Anything batched so far is inside the snapshot about to be sent.
    this.batcher.discard();
    if (this.remote) {
      this.ready = true;
      this.stats.snapshots++;
      this.post({ type: 'snapshot', snapshot: this.remote.snapshot(), live: this.remote.live, runDir: this.runDir });
      return;
    }
    const session = this.session;
    if (session?.live) {
      this.ready = true;
      this.stats.snapshots++;
      this.post({ type: 'snapshot', snapshot: session.snapshot(), live: true, runDir: this.runDir });
      return;
    }
    try {
      // In a child process: a long metrics.jsonl must not be parsed on the extension host's thread.
      const timing: HistoryTiming = { hostMs: 0, wallMs: 0, snapshotBytes: 0 };
      const { json, facts } = await loadRunHistoryText({ cliPath: path.join(this.deps.extensionUri.fsPath, 'dist', 'cli.js'), runDir: this.runDir, timing });
      this.ready = true;
      this.stats.snapshots++;
      const postStart = performance.now();
      this.post({ type: 'snapshot-json', json, live: false, runDir: this.runDir });
      const postMs = performance.now() - postStart;
      const h = facts?.history;
      // One timing line per opening: the extension host thread's share must stay small whatever the
      // run's length (the e2e tier reads this line for a run with a 100 MB metrics.jsonl).
      this.deps.output.info(
        `run panel ${path.basename(this.runDir)}: history loaded, extension host thread ${(timing.hostMs + postMs).toFixed(1)} ms ` +
          `(child process start + ${(timing.snapshotBytes / 1024).toFixed(0)} KB snapshot text ${timing.hostMs.toFixed(1)} ms, post ${postMs.toFixed(1)} ms), ` +
          `wall ${timing.wallMs.toFixed(0)} ms; ${h ? `${h.keptRecords} of ${h.totalRecords} records` : `${facts?.records ?? '?'} records`}`,
      );
      if (h?.decimated) this.post({ type: 'notice', level: 'info', text: `Long run: the charts show ${h.keptRecords.toLocaleString('en-US')} of ${h.totalRecords.toLocaleString('en-US')} records (the full run's shape with its spikes and every event; every record from step ${h.tailFrom} on).` });
    } catch (e) {
      this.ready = true;
      this.deps.output.error(`run panel: could not read ${this.runDir}: ${(e as Error).message}`);
      this.post({ type: 'notice', level: 'error', text: `Could not read the run folder: ${(e as Error).message}` });
    }
  }

  private postAppend(records: MetricRecord[]): void {
    if (!this.ready) return;
    const thinned = thinStepRecords(records);
    this.stats.appendedRecords += thinned.length;
    this.post({ type: 'append', records: thinned });
  }

  private postStatus(status: RunStatus): void {
    if (!this.ready) return;
    this.batcher.flush(); // keep the order the runtime sent: records before the status after them
    this.stats.statuses++;
    this.post({ type: 'status', status });
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message).then(undefined, (e: unknown) => this.deps.output.warn(`run panel: postMessage failed: ${String(e)}`));
  }

  private notReady(): void {
    this.ready = false;
    this.batcher.discard();
  }

  dispose(): void {
    this.disposed = true;
    this.pageStart.dispose();
    if (RunPanel.panels.get(this.runDir) === this) RunPanel.panels.delete(this.runDir);
    this.batcher.dispose();
    for (const off of [...this.detach.splice(0), ...this.sessionListeners.splice(0)]) off();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function panelTitle(runDir: string): string {
  return `HELENE · ${path.basename(runDir)}`;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // Only the panel bundle and the media folder are loadable; nothing from the workspace.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** Registers the serializer that brings panels back after a reload. */
export function registerRunPanelSerializer(deps: RunPanelDeps): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
    async deserializeWebviewPanel(panel, state) {
      RunPanel.restore(deps, panel, state);
    },
  });
}
