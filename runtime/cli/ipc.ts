/**
 * The runtime side of the IPC channel to the extension host (child_process.fork): RuntimeMessages
 * out, metrics batched about every 100 ms so a fast run cannot flood the host; ControlCommands in,
 * each validated against the contract before it reaches the trainer.
 */
import type { MetricRecord, RuntimeMessage } from '../protocol';
import { validateControlCommand } from '../protocol';
import type { Trainer, TrainerListener } from '../run/trainer';

const BATCH_MS = 100;

export function send(message: RuntimeMessage): void {
  if (process.send && process.connected) process.send(message);
}

/**
 * How long the last message may wait to be written before the channel is closed anyway: only a
 * parent that is alive but stopped reading gets here (a parent that is gone closes the channel, and
 * the write's callback fires at once), and a child must never hang on it.
 */
export const LAST_SEND_FALLBACK_MS = 10_000;

/**
 * The run's last message, then let go of the channel (an open one keeps the process alive), but
 * only once that message is written. process.disconnect() closes the channel at once, and the
 * writes still queued in the child are dropped with it: a parent that reads slower than a burst
 * arrives (a busy extension host, the run's last metrics batch) then never gets the final status or
 * 'done' (test/unit/ipc-last-message.test.ts: 1,200 of 16,000 step records and no 'done'). Writes
 * complete in order, so this message's callback means every earlier one is out too.
 */
export function sendLastAndDisconnect(message: RuntimeMessage, fallbackMs = LAST_SEND_FALLBACK_MS): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(fallback);
      if (process.connected) process.disconnect();
      resolve();
    };
    // Unref'd: a write still queued keeps the process alive by itself, so this never delays an exit.
    const fallback = setTimeout(release, fallbackMs);
    fallback.unref();
    process.send(message, release);
  });
}

export function ipcListener(): TrainerListener & { flush(): void } {
  let pending: MetricRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    send({ type: 'metrics', records: pending });
    pending = [];
  };
  return {
    manifest: (manifest) => send({ type: 'manifest', manifest }),
    record(record) {
      pending.push(record);
      // Events go out at once (pause/resume feedback must feel immediate).
      if (record.kind === 'event') flush();
      else if (!timer) timer = setTimeout(flush, BATCH_MS);
    },
    status: (status) => {
      flush();
      send({ type: 'status', status });
    },
    log: (level, text) => send({ type: 'log', level, text }),
    flush,
  };
}

/** Route validated control commands from the host to the trainer; log and drop anything else. */
export function acceptControl(trainer: Trainer): void {
  process.on('message', (raw: unknown) => {
    const v = validateControlCommand(raw);
    if (!v.ok) {
      send({ type: 'log', level: 'warn', text: `rejected control message: ${v.reason}` });
      return;
    }
    const c = v.value;
    if (c.type === 'set-hyperparameters') {
      trainer.setHyperparameters(c.values);
      return;
    }
    // A traced command (from the panel or the palette) gets the runtime's receipt stamp too.
    const trace = c.trace ? { ...c.trace, runtimeAt: Date.now(), stepAtReceipt: trainer.currentStep } : undefined;
    if (c.type === 'pause') trainer.pause(trace);
    else if (c.type === 'resume') trainer.resume(trace);
    else trainer.stop(trace);
  });
  // The host going away (VS Code closed, extension reloaded) stops the run cleanly.
  process.on('disconnect', () => trainer.stop());
}
