/**
 * The sweeps started from this window: each one is a vscode-free SweepQueue whose runs go
 * through the same RunRegistry as single runs (so every run shows live in the Runs view, the
 * status bar, and can open its panel). Free of 'vscode'; the commands and the Sweeps view wrap it.
 */
import type { SweepRecord } from '../../runtime/protocol';
import type { PlannedRun } from '../../runtime/runs/sweep-spec';
import { SweepQueue, type LaunchFn, type LaunchResult, type SweepQueueOptions } from '../../runtime/runs/sweep-queue';
import type { RunRegistry } from '../run-registry';
import type { RuntimeExit, RuntimeProcessOptions } from '../runtime-process';
import { TypedEvents } from '../typed-events';

/** A runtime exit as the queue sees it: finished/stopped are clean ends; failed/crashed carry the message. */
export function launchResultOf(exit: RuntimeExit): LaunchResult {
  return exit.outcome === 'finished' || exit.outcome === 'stopped' ? { ok: true, state: exit.outcome } : { ok: false, error: exit.message };
}

/**
 * Launch each planned run as a supervised runtime process (`train --ipc`) in the registry. No run
 * opens a panel by itself: a 4-run sweep would open 4 tabs; the Sweeps view's rows open them on demand.
 */
export function registryLauncher(registry: RunRegistry, base: Omit<RuntimeProcessOptions, 'overrides'> & { overrides: string[] }, labelPrefix: string): LaunchFn {
  return (plan: PlannedRun) => {
    const session = registry.start({ ...base, overrides: [...base.overrides, ...plan.overrides] }, `${labelPrefix} ${plan.label}`, undefined, { openPanel: false });
    const done = new Promise<LaunchResult>((resolve) => {
      if (session.exit) resolve(launchResultOf(session.exit));
      else session.events.on('ended', (exit) => resolve(launchResultOf(exit)));
    });
    return { done, stop: () => void session.process.stop() };
  };
}

export interface SweepManagerEvents extends Record<string, unknown> {
  changed: SweepRecord;
}

/** A queue sweep this window submitted: the `sweep --queue` CLI process that follows it (SIGINT stops the sweep). */
export interface RemoteSweep {
  pid?: number;
  kill(signal: NodeJS.Signals): boolean;
}

export class SweepManager {
  readonly events = new TypedEvents<SweepManagerEvents>();
  private readonly active = new Map<string, SweepQueue>();
  private readonly remote = new Map<string, RemoteSweep>();

  /** Track a queue sweep's CLI process until `ended` settles. */
  startRemote(file: string, proc: RemoteSweep, ended: Promise<unknown>): void {
    this.remote.set(file, proc);
    void ended.finally(() => this.remote.delete(file));
  }

  remoteOf(file: string): RemoteSweep | undefined {
    return this.remote.get(file);
  }

  /** Start a sweep; its record file is the key. */
  start(options: SweepQueueOptions): SweepQueue {
    const queue = new SweepQueue(options);
    const key = queue.file ?? options.sweep.id;
    this.active.set(key, queue);
    queue.onChange(({ record }) => this.events.emit('changed', record));
    void queue.start().then(() => this.active.delete(key));
    return queue;
  }

  /** The live queue of a sweep file, when this window runs it. */
  queueOf(file: string): SweepQueue | undefined {
    return this.active.get(file);
  }

  live(): SweepQueue[] {
    return [...this.active.values()];
  }

  stopAll(): void {
    for (const q of this.active.values()) q.stop();
    for (const r of this.remote.values()) r.kill('SIGINT');
  }
}
