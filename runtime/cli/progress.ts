/**
 * Terminal progress for headless runs: a cli-progress bar with step, loss, steps/s and ETA, and
 * log lines printed above it. Falls back to plain periodic lines when stdout is not a TTY (CI logs).
 */
import * as cliProgress from 'cli-progress';
import { truncationSummary, type MetricRecord, type RunManifest } from '../protocol';
import type { TrainerListener } from '../run/trainer';

export function progressListener(total: number, label: string): TrainerListener & { stop(): void } {
  const tty = Boolean(process.stdout.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| {value}/{total} steps | loss {loss} | eval {eval} | {rate} steps/s | ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 200,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLine = 0;
  let loss = NaN;
  let evalText = '-';
  let wallMs = 0;
  let step = 0;
  const rate = () => (wallMs > 0 ? ((step * 1000) / wallMs).toFixed(0) : '0');
  return {
    manifest(m: RunManifest) {
      // The auto check's sentence is in fallbackReason when it moved the run to the CPU; else on its own.
      const why = m.engine.fallbackReason ?? m.engine.providerCheck;
      const fallback = why ? ` (${why})` : '';
      process.stdout.write(`${label}: provider ${m.engine.provider} (requested ${m.engine.requestedProvider})${fallback}\n`);
      const truncation = truncationSummary(m.data);
      if (truncation) process.stdout.write(`${label}: ${truncation}\n`);
    },
    record(r: MetricRecord) {
      // The eval of step t is recorded after step t's record, so every step line shows an older eval:
      // name its step, or the last line ("step 600/600 … eval X") reads as the final eval, which it is not.
      if (r.kind === 'eval') evalText = `${r.loss.toFixed(4)}${r.accuracy !== undefined ? ` acc ${(100 * r.accuracy).toFixed(1)}%` : ''} (step ${r.t})`;
      if (r.kind !== 'step') return;
      loss = r.loss;
      wallMs = r.wallMs;
      step = r.t;
      const payload = { loss: loss.toFixed(4), eval: evalText, rate: rate() };
      if (bar) {
        if (!started) {
          bar.start(total, 0, payload);
          started = true;
        }
        bar.update(r.t, payload);
      } else if (r.wallMs - lastLine > 2000 || r.t === total) {
        lastLine = r.wallMs;
        process.stdout.write(`${label}: step ${r.t}/${total} loss ${payload.loss} eval ${evalText} ${payload.rate} steps/s\n`);
      }
    },
    log(level, text) {
      if (level === 'info' && !/stopped|finished|paused|resumed|hyperparameters|concurrent passes/.test(text)) return;
      // A "failed" event is always followed by the error the trainer throws, which the CLI prints as
      // its one `error:` line: printing the event too would show the message twice.
      if (level === 'error') {
        if (bar && started) bar.stop(), (started = false);
        return;
      }
      const line = `${label}: ${level === 'info' ? '' : level + ': '}${text}`;
      if (bar && started) bar.stop(), (started = false);
      process.stdout.write(line + '\n');
    },
    stop() {
      if (bar && started) bar.stop(), (started = false);
    },
  };
}
