/**
 * The typed message contract between the runtime process, the extension host and the webview.
 * Every message that crosses a process or webview boundary is one of these unions, and every
 * message received from the other side is checked by a validator below before it is used.
 */
import type { ResolvedConfig } from './config-types';
import { LIVE_HYPERPARAMETERS, type HyperparameterPatch } from './config-types';
import type { MetricRecord, RunManifest, RunState, RunStatus, RunSummary, Provider } from './records';

// ---------------------------------------------------------------- runtime → extension (IPC)
export type RuntimeMessage =
  | { type: 'hello'; runId: string; runDir: string; pid: number }
  | { type: 'manifest'; manifest: RunManifest }
  /** Metrics in batches (the runtime flushes about every 100 ms), same records as metrics.jsonl. */
  | { type: 'metrics'; records: MetricRecord[] }
  | { type: 'status'; status: RunStatus }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string }
  | { type: 'done'; summary: RunSummary }
  | { type: 'fatal'; message: string };

// ---------------------------------------------------------------- extension → runtime (IPC)
export type ControlCommand =
  | { type: 'pause' | 'resume' | 'stop'; trace?: ControlTrace }
  | { type: 'set-hyperparameters'; values: HyperparameterPatch };

/**
 * When a pause / resume / stop passed each hop, in epoch milliseconds on the system clock
 * (Date.now(); the webview's input event as Date.now() less the event's age, never
 * performance.timeOrigin + timeStamp, which drifts from the system clock). Each hop
 * adds its own stamp; the runtime records the whole trace in the event it writes (paused, resumed,
 * stop-requested, stopped), so the latency from the click to the run's answer can be read back
 * from metrics.jsonl hop by hop.
 */
export interface ControlTrace {
  /** The user's click or key press, as the browser stamped the input event. */
  clickedAt?: number;
  /** The webview's handler ran (later than clickedAt when the webview's thread was busy). */
  webviewAt?: number;
  /** The extension host received the intent or ran the command. */
  hostAt?: number;
}

const TRACE_KEYS = ['clickedAt', 'webviewAt', 'hostAt'] as const;

/** A trace keeps only its known keys with finite numbers; anything else is dropped, never an error. */
export function cleanControlTrace(raw: unknown): ControlTrace | undefined {
  if (!isObject(raw)) return undefined;
  const out: ControlTrace = {};
  for (const k of TRACE_KEYS) if (typeof raw[k] === 'number' && Number.isFinite(raw[k])) out[k] = raw[k] as number;
  return Object.keys(out).length ? out : undefined;
}

// ---------------------------------------------------------------- extension → webview
export interface RunViewSnapshot {
  manifest: RunManifest | null;
  status: RunStatus | null;
  records: MetricRecord[];
  summary: RunSummary | null;
  /** Present when records is a decimated history of a long metrics.jsonl (runtime/run/metrics-history.ts). */
  history?: RunHistoryInfo;
}

/** How a snapshot's records relate to metrics.jsonl when they are a decimated history. */
export interface RunHistoryInfo {
  /** Records in metrics.jsonl, and how many of them the snapshot carries. */
  totalRecords: number;
  keptRecords: number;
  /** Every record from this step on is there verbatim (full resolution); before it, decimated. */
  tailFrom: number;
  decimated: boolean;
  /** Line number of a torn last line that was ignored, else null. */
  tornLine: number | null;
}
export type HostToWebview =
  /** runDir lets the webview persist which run it shows (restored after a reload by the serializer). */
  | { type: 'snapshot'; snapshot: RunViewSnapshot; live: boolean; runDir?: string }
  /**
   * A recorded run's snapshot as the JSON text `helene-studio history` wrote (a RunViewSnapshot).
   * The host passes it through unparsed: a long run's history is megabytes, and parsing it and
   * serializing it again for postMessage cost the extension host's thread about a second under load.
   */
  | { type: 'snapshot-json'; json: string; live: false; runDir?: string }
  | { type: 'append'; records: MetricRecord[] }
  | { type: 'status'; status: RunStatus }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

// ---------------------------------------------------------------- webview → extension
export type WebviewIntent =
  | { type: 'ready' }
  | { type: 'control'; command: 'pause' | 'resume' | 'stop'; trace?: ControlTrace }
  | { type: 'set-hyperparameters'; values: HyperparameterPatch };

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check a hyperparameter patch: known keys only, finite numbers (null only where allowed). */
export function validateHyperparameterPatch(values: unknown): Validation<HyperparameterPatch> {
  if (!isObject(values)) return { ok: false, reason: 'values must be an object' };
  const keys = Object.keys(values);
  if (keys.length === 0) return { ok: false, reason: 'values is empty' };
  const out: HyperparameterPatch = {};
  for (const key of keys) {
    if (!(LIVE_HYPERPARAMETERS as readonly string[]).includes(key)) {
      return { ok: false, reason: `"${key}" cannot be changed during a run (allowed: ${LIVE_HYPERPARAMETERS.join(', ')})` };
    }
    const v = values[key];
    const nullable = key === 'T' || key === 'rho';
    if (v === null && nullable) {
      out[key as keyof HyperparameterPatch] = null;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, reason: `${key} must be a finite number` };
    if (v < 0 || ((key === 'lr' || key === 'eps' || key === 'gamma' || key === 'k' || key === 'T') && v === 0)) {
      return { ok: false, reason: `${key} must be ${key === 'lr' || key === 'eps' || key === 'gamma' || key === 'k' || key === 'T' ? '> 0' : '>= 0'}` };
    }
    if ((key === 'beta1' || key === 'beta2') && v > 1) return { ok: false, reason: `${key} must be <= 1` };
    if (key === 'k' && !Number.isInteger(v)) return { ok: false, reason: 'k must be an integer' };
    out[key as keyof HyperparameterPatch] = v;
  }
  return { ok: true, value: out };
}

export function validateControlCommand(msg: unknown): Validation<ControlCommand> {
  if (!isObject(msg) || typeof msg.type !== 'string') return { ok: false, reason: 'not an object with a string "type"' };
  switch (msg.type) {
    case 'pause':
    case 'resume':
    case 'stop': {
      const trace = cleanControlTrace(msg.trace);
      return { ok: true, value: trace ? { type: msg.type, trace } : { type: msg.type } };
    }
    case 'set-hyperparameters': {
      const v = validateHyperparameterPatch(msg.values);
      return v.ok ? { ok: true, value: { type: 'set-hyperparameters', values: v.value } } : v;
    }
    default:
      return { ok: false, reason: `unknown command type "${msg.type}"` };
  }
}

export function validateWebviewIntent(msg: unknown): Validation<WebviewIntent> {
  if (!isObject(msg) || typeof msg.type !== 'string') return { ok: false, reason: 'not an object with a string "type"' };
  switch (msg.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'control':
      if (msg.command === 'pause' || msg.command === 'resume' || msg.command === 'stop') {
        const trace = cleanControlTrace(msg.trace);
        return { ok: true, value: trace ? { type: 'control', command: msg.command, trace } : { type: 'control', command: msg.command } };
      }
      return { ok: false, reason: `unknown control command ${JSON.stringify(msg.command)}` };
    case 'set-hyperparameters': {
      const v = validateHyperparameterPatch(msg.values);
      return v.ok ? { ok: true, value: { type: 'set-hyperparameters', values: v.value } } : v;
    }
    default:
      return { ok: false, reason: `unknown intent type "${msg.type}"` };
  }
}

const RUNTIME_TYPES = new Set(['hello', 'manifest', 'metrics', 'status', 'log', 'done', 'fatal']);

/** Shallow structural check of a message from the runtime process (it is our own code, but a crash can garble it). */
export function validateRuntimeMessage(msg: unknown): Validation<RuntimeMessage> {
  if (!isObject(msg) || typeof msg.type !== 'string' || !RUNTIME_TYPES.has(msg.type)) {
    return { ok: false, reason: `unknown runtime message ${JSON.stringify(msg)?.slice(0, 80)}` };
  }
  if (msg.type === 'metrics' && !Array.isArray(msg.records)) return { ok: false, reason: 'metrics.records must be an array' };
  return { ok: true, value: msg as unknown as RuntimeMessage };
}

export type { ResolvedConfig, RunState, Provider };

// ================================================================ compare view (runs side panel)
// The extension (or a test harness) owns the comparison: it reads the run folders, computes the
// tables with runtime/runs/ and pushes one CompareViewModel; the webview renders it, keeps purely
// visual choices (x axis, smoothing, log axis) to itself, and posts CompareIntents for the rest.

/** What "reaching the baseline" means: its final eval loss, the mean of its last N evals, or a fixed loss. */
export type CompareTarget = { kind: 'final' } | { kind: 'tail'; evals: number } | { kind: 'value'; loss: number };

/**
 * One curve point, with every accounting axis (runtime/run/accounting.ts): `passes` counts training
 * forward passes only (evaluation passes excluded); `examples` is training examples seen (an eval
 * point: its record's trainExamples, else the last step's count).
 */
export interface ComparePoint {
  t: number;
  passes: number;
  examples: number;
  wallMs: number;
  v: number;
}

export interface CompareRunView {
  id: string;
  name: string;
  optimizer: string;
  forwardPassesPerStep: number;
  state: RunState | null;
  /** Train loss, already decimated by the host (bucket means) to a few thousand points at most. */
  trainLoss: ComparePoint[];
  evalLoss: ComparePoint[];
  /** Eval accuracy (classification); empty when the run has none. */
  evalMetric: ComparePoint[];
}

export interface CompareValueAt {
  t: number;
  value: number;
}

export interface CompareSummaryRow {
  id: string;
  name: string;
  optimizer: string;
  isBaseline: boolean;
  forwardPassesPerStep: number;
  steps: number;
  trainingPasses: number;
  wallSeconds: number;
  finalTrainLoss: number | null;
  finalEvalLoss: CompareValueAt | null;
  bestEvalLoss: CompareValueAt | null;
  finalEvalMetric: CompareValueAt | null;
  bestEvalMetric: CompareValueAt | null;
  /** First eval at which the run's eval loss is <= the target; null: never reached. */
  hit: { t: number; trainingPasses: number; wallMs: number } | null;
  /** baseline / this run, at the hit (> 1: this run needs fewer). Null when either did not reach it. */
  stepSpeedup: number | null;
  passSpeedup: number | null;
  wallSpeedup: number | null;
}

export interface CompareDiffRow {
  key: string;
  /** One JSON-rendered value per run, in run order; null where the key is absent. */
  values: (string | null)[];
}

export interface CompareViewModel {
  runs: CompareRunView[];
  baselineId: string;
  target: CompareTarget;
  /** The loss every run must reach (from the baseline and the target rule); null: the baseline has no eval. */
  targetLoss: number | null;
  metricName: string;
  summary: CompareSummaryRow[];
  diff: CompareDiffRow[];
  /** Runs that could not be read (listed, never fatal). */
  unreadable: { id: string; reason: string }[];
}

// ---------------------------------------------------------------- extension → compare webview
export type HostToCompare =
  | { type: 'compare-data'; model: CompareViewModel }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

// ---------------------------------------------------------------- compare webview → extension
export type CompareIntent =
  | { type: 'ready' }
  | { type: 'set-baseline'; runId: string }
  | { type: 'set-target'; target: CompareTarget }
  | { type: 'export-csv'; what: 'summary' | 'curves' }
  /** dataUrl: "data:image/png;base64,…" or "data:image/svg+xml;base64,…" of the chart named `chart`. */
  | { type: 'export-image'; format: 'png' | 'svg'; chart: string; dataUrl: string }
  | { type: 'open-run'; runId: string };

const MAX_IMAGE_DATA_URL = 32 * 1024 * 1024;

export function validateCompareTarget(v: unknown): Validation<CompareTarget> {
  if (!isObject(v)) return { ok: false, reason: 'target must be an object' };
  if (v.kind === 'final') return { ok: true, value: { kind: 'final' } };
  if (v.kind === 'tail') {
    if (typeof v.evals !== 'number' || !Number.isInteger(v.evals) || v.evals < 1 || v.evals > 1000) return { ok: false, reason: 'target.evals must be an integer in 1..1000' };
    return { ok: true, value: { kind: 'tail', evals: v.evals } };
  }
  if (v.kind === 'value') {
    if (typeof v.loss !== 'number' || !Number.isFinite(v.loss)) return { ok: false, reason: 'target.loss must be a finite number' };
    return { ok: true, value: { kind: 'value', loss: v.loss } };
  }
  return { ok: false, reason: `unknown target kind ${JSON.stringify(v.kind)}` };
}

export function validateCompareIntent(msg: unknown): Validation<CompareIntent> {
  if (!isObject(msg) || typeof msg.type !== 'string') return { ok: false, reason: 'not an object with a string "type"' };
  const runId = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 512;
  switch (msg.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'set-baseline':
    case 'open-run':
      return runId(msg.runId) ? { ok: true, value: { type: msg.type, runId: msg.runId as string } } : { ok: false, reason: 'runId must be a non-empty string' };
    case 'set-target': {
      const t = validateCompareTarget(msg.target);
      return t.ok ? { ok: true, value: { type: 'set-target', target: t.value } } : t;
    }
    case 'export-csv':
      return msg.what === 'summary' || msg.what === 'curves'
        ? { ok: true, value: { type: 'export-csv', what: msg.what } }
        : { ok: false, reason: 'what must be "summary" or "curves"' };
    case 'export-image': {
      if (msg.format !== 'png' && msg.format !== 'svg') return { ok: false, reason: 'format must be "png" or "svg"' };
      if (typeof msg.chart !== 'string' || !/^[a-z0-9-]{1,40}$/.test(msg.chart)) return { ok: false, reason: 'chart must be a short lowercase name' };
      const prefix = msg.format === 'png' ? 'data:image/png;base64,' : 'data:image/svg+xml;base64,';
      if (typeof msg.dataUrl !== 'string' || !msg.dataUrl.startsWith(prefix) || msg.dataUrl.length > MAX_IMAGE_DATA_URL) {
        return { ok: false, reason: `dataUrl must be a ${prefix}… string under 32 MiB` };
      }
      return { ok: true, value: { type: 'export-image', format: msg.format, chart: msg.chart, dataUrl: msg.dataUrl } };
    }
    default:
      return { ok: false, reason: `unknown compare intent type "${msg.type}"` };
  }
}
