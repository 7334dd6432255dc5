/**
 * The runs started from this window. Ended runs stay listed (the status bar keeps showing the last
 * result) until a newer run replaces them as "latest"; only live ones take control commands.
 * Free of 'vscode'.
 */
import type { MetricRecord } from '../runtime/protocol';
import type { RuntimeProcessOptions } from './runtime-process';
import { RunSession } from './run-session';
import { TypedEvents } from './typed-events';

export interface RunRegistryEvents extends Record<string, unknown> {
  added: RunSession;
  /** A session's visible state changed, or one ended. */
  changed: RunSession;
}

/** Keep at most this many ended sessions in memory (their folders stay on disk). */
const KEEP_ENDED = 10;

export class RunRegistry {
  readonly events = new TypedEvents<RunRegistryEvents>();
  private readonly sessions: RunSession[] = [];

  /**
   * `loadEarlier`: a resume's reader of the run's records from before it (see RunSession).
   * `openPanel: false`: the window opens no panel by itself for this run (a sweep's runs).
   */
  start(options: RuntimeProcessOptions, label: string, loadEarlier?: (runDir: string) => Promise<MetricRecord[]>, how: { openPanel?: boolean } = {}): RunSession {
    const session = new RunSession(options, label, loadEarlier);
    session.opensPanel = how.openPanel ?? true;
    this.sessions.push(session);
    session.events.on('changed', () => this.events.emit('changed', session));
    session.events.on('ended', () => this.prune());
    this.events.emit('added', session);
    return session;
  }

  all(): RunSession[] {
    return [...this.sessions];
  }

  live(): RunSession[] {
    return this.sessions.filter((s) => s.live);
  }

  /** The most recently started session, live or not: what the status bar shows. */
  latest(): RunSession | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  /**
   * The session of a run folder: the newest one, since a resumed run is a second session of the same
   * folder (the first one ended); a panel or command must reach the live one, not the ended one.
   */
  byRunDir(runDir: string): RunSession | undefined {
    for (let i = this.sessions.length - 1; i >= 0; i--) if (this.sessions[i].runDir === runDir) return this.sessions[i];
    return undefined;
  }

  /** Ask every live run to stop cleanly (window closing); resolves when all have exited. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(this.live().map((s) => s.process.stop(graceMs)));
  }

  private prune(): void {
    const ended = this.sessions.filter((s) => !s.live && s !== this.latest());
    for (const s of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) {
      this.sessions.splice(this.sessions.indexOf(s), 1);
      s.events.clear();
    }
  }
}
