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
