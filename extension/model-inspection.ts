/**
 * Runs `dist/cli.js inspect <model> --json` in its own process (a model of hundreds of MB is never
 * parsed on the extension host's thread) and checks what it prints. The short form starts it as
 * soon as the model is answered and awaits it at its "what to train" step.
 */
import { execFile } from 'node:child_process';
import type { ModelInspection } from '../runtime/onnx/model-inspect';

export type InspectionOutcome = { ok: true; inspection: ModelInspection } | { ok: false; message: string };

const TASKS = new Set(['causal-lm', 'classification', 'loss-output', 'unknown']);

/** The checked JSON, or a one-line reason it is not an inspection. */
export function parseInspection(stdout: string): InspectionOutcome {
  let v: Partial<ModelInspection>;
  try {
    v = JSON.parse(stdout) as Partial<ModelInspection>;
  } catch {
    return { ok: false, message: 'inspect printed no JSON' };
  }
  if (!v || typeof v !== 'object' || !TASKS.has(String(v.task)) || !v.presets || !v.lora || !Array.isArray(v.head)) return { ok: false, message: 'inspect printed an unexpected result' };
  return { ok: true, inspection: v as ModelInspection };
}

export function inspectInProcess(cliPath: string, modelPath: string, cwd: string, timeoutMs = 120_000): Promise<InspectionOutcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, 'inspect', modelPath, '--json'], { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (error, stdout, stderr) => {
      if (error) {
        const line = String(stderr).trim().split('\n').pop() || error.message;
        resolve({ ok: false, message: line.replace(/^error:\s*/, '') });
        return;
      }
      resolve(parseInspection(String(stdout)));
    });
  });
}
