/**
 * The run panel's view model: HostToWebview messages folded into what the panel shows. DOM-free and
 * Chart.js-free so it can be tested in node and reused (the compare view, a CLI report).
 *
 * It is a reducer that mutates in place: a live run appends records ten times a second for hours, and
 * copying bounded-but-large structures on every batch would be waste. applyMessage returns which
 * parts changed so the renderer redraws only those, once per animation frame.
 *
 * Memory is bounded whatever the run length: series are DecimatedSeries, the heatmap is a
 * HeatmapModel with capped columns, only the latest layer-stats record is kept for the table, and
 * event markers and notices are capped.
 */
import {
  LIVE_HYPERPARAMETERS,
  optimizerLabel,
  truncationSummary,
  validateHyperparameterPatch,
  type ConcurrentPassesInfo,
  type EvalRecord,
  type EventRecord,
  type HostToWebview,
  type LayerStat,
  type LiveHyperparameter,
  type MetricRecord,
  type RunEventKind,
  type RunManifest,
  type RunState,
  type RunStatus,
  type RunSummary,
  type RunViewSnapshot,
  type StepRecord,
} from '../../runtime/protocol';
import { DEFAULT_SERIES_LIMITS, DecimatedSeries, type SeriesLimits } from './decimate';
import { DEFAULT_HEATMAP_LIMITS, HeatmapModel, type HeatmapLimits } from './heatmap-model';
import { AxisAccountant, type AxisValues } from './x-axis';

export const SERIES_KEYS = [
  'trainLoss',
  'evalLoss',
  'evalAccuracy',
  'alpha',
  'lr',
  'forwardMs',
  'rngMs',
  'optimizerMs',
  'dataMs',
  'examplesPerSec',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

/** Events worth a vertical marker on the charts (checkpoints and skipped steps would be noise). */
const MARKER_EVENTS: ReadonlySet<RunEventKind> = new Set<RunEventKind>([
  'hyperparameters',
  'paused',
  'resumed',
  'stop-requested',
  'provider',
  'warning',
  'bad-lines',
  'failed',
  'guard',
]);
const MAX_MARKERS = 200;
const MAX_NOTICES = 5;

export interface EventMarker {
  t: number;
  /** Where the marker sits on each x axis (counts reached so far, the event's own wall time). */
  at: AxisValues;
  event: RunEventKind;
  /** Short text drawn next to the marker line. */
  label: string;
  /** The full message (tooltips, the events list). */
  message: string;
}

export interface Notice {
  level: 'info' | 'error';
  text: string;
  /** 'guard': the run's latest divergence-guard event (one at most is kept; a newer one replaces it). */
  source?: 'guard';
}

export interface ViewModelLimits {
  series: SeriesLimits;
  heatmap: HeatmapLimits;
}

export const DEFAULT_LIMITS: ViewModelLimits = { series: DEFAULT_SERIES_LIMITS, heatmap: DEFAULT_HEATMAP_LIMITS };

export type CurrentHyperparameters = Partial<Record<LiveHyperparameter, number | null>>;

export interface RunViewModel {
  /** False until the first snapshot: the panel renders nothing before it (handshake). */
  hasSnapshot: boolean;
  /** The run is alive in this window (controls make sense). */
  live: boolean;
  manifest: RunManifest | null;
  status: RunStatus | null;
  summary: RunSummary | null;
  lastStep: StepRecord | null;
  lastEval: EvalRecord | null;
  /** Every series point carries its AxisValues, so the x axis can be switched in the webview. */
  series: Record<SeriesKey, DecimatedSeries>;
  /** Folds records into AxisValues (training passes, examples, wall time) as they arrive. */
  axes: AxisAccountant;
  /** The latest per-layer statistics record, for the table. */
  layers: { t: number; rows: LayerStat[] } | null;
  heatmap: HeatmapModel;
  markers: EventMarker[];
  /** Markers dropped to respect MAX_MARKERS (the oldest go first). */
  droppedMarkers: number;
  skippedSteps: number;
  /** Live hyperparameters as they stand now: the manifest's config plus every recorded change. */
  hyperparameters: CurrentHyperparameters;
  /** Message of the latest 'provider' event (explains a fallback when the manifest does not). */
  providerMessage: string | null;
  /** How the passes run as the latest 'engine' event says (the auto probe decided after the manifest was read). */
  concurrentPasses: ConcurrentPassesInfo | null;
  notices: Notice[];
  limits: ViewModelLimits;
}

/** Which parts of the panel a message touched. */
export interface Changes {
  status: boolean;
  charts: boolean;
  layers: boolean;
  heatmap: boolean;
  hyperparameters: boolean;
  notices: boolean;
}

export const NO_CHANGES: Readonly<Changes> = Object.freeze({
  status: false,
  charts: false,
  layers: false,
  heatmap: false,
  hyperparameters: false,
  notices: false,
});

const ALL_CHANGES: Readonly<Changes> = Object.freeze({
  status: true,
  charts: true,
  layers: true,
  heatmap: true,
  hyperparameters: true,
  notices: true,
});

export function mergeChanges(a: Changes, b: Changes): Changes {
  return {
    status: a.status || b.status,
    charts: a.charts || b.charts,
    layers: a.layers || b.layers,
    heatmap: a.heatmap || b.heatmap,
    hyperparameters: a.hyperparameters || b.hyperparameters,
    notices: a.notices || b.notices,
  };
}

export function createViewModel(limits: ViewModelLimits = DEFAULT_LIMITS): RunViewModel {
  const series = Object.fromEntries(SERIES_KEYS.map((k) => [k, new DecimatedSeries(limits.series)])) as Record<SeriesKey, DecimatedSeries>;
  return {
    hasSnapshot: false,
    live: false,
    manifest: null,
    status: null,
    summary: null,
    lastStep: null,
    lastEval: null,
    series,
    axes: new AxisAccountant(),
    layers: null,
    heatmap: new HeatmapModel(limits.heatmap),
    markers: [],
    droppedMarkers: 0,
    skippedSteps: 0,
    hyperparameters: {},
    providerMessage: null,
    concurrentPasses: null,
    notices: [],
    limits,
  };
}

/** Fold one host message into vm (in place); returns what changed. */
export function applyMessage(vm: RunViewModel, msg: HostToWebview): Changes {
  switch (msg.type) {
    case 'snapshot-json': {
      // A recorded run's history as the runtime's text (the host does not parse megabytes on its thread).
      let snapshot: unknown;
      try {
        snapshot = JSON.parse(msg.json);
      } catch (e) {
        return applyMessage(vm, { type: 'notice', level: 'error', text: `Could not read the run's history: ${(e as Error).message}` });
      }
      const s = snapshot as { records?: unknown } | null;
      if (!s || typeof s !== 'object' || !Array.isArray(s.records)) return applyMessage(vm, { type: 'notice', level: 'error', text: "Could not read the run's history: it is not a run snapshot." });
      return applyMessage(vm, { type: 'snapshot', snapshot: snapshot as RunViewSnapshot, live: false, runDir: msg.runDir });
    }
    case 'snapshot': {
      // A snapshot replaces everything: the page was reloaded or the panel switched runs.
      const fresh = createViewModel(vm.limits);
      Object.assign(vm, fresh);
      const { manifest, status, records, summary } = msg.snapshot;
      vm.hasSnapshot = true;
      vm.live = msg.live;
      vm.manifest = manifest;
      vm.status = status;
      vm.summary = summary;
      if (manifest) {
        vm.heatmap.declareLayers(manifest.model.trainables.map((t) => t.name));
        vm.hyperparameters = hyperparametersOf(manifest);
        // Texts cut to maxLength train on less than the user wrote: say how many, once per snapshot.
        const cut = manifest.data?.train.truncated || manifest.data?.eval?.truncated ? truncationSummary(manifest.data) : null;
        if (cut) vm.notices.push({ level: 'info', text: cut });
      }
      for (const r of records) applyRecord(vm, r);
      return { ...ALL_CHANGES };
    }
    case 'append': {
      // Appends before the first snapshot are dropped: the snapshot the host sends after 'ready'
      // already contains them.
      if (!vm.hasSnapshot) return { ...NO_CHANGES };
      let changes: Changes = { ...NO_CHANGES };
      for (const r of msg.records) changes = mergeChanges(changes, applyRecord(vm, r));
      return changes;
    }
    case 'status':
      vm.status = msg.status;
      return { ...NO_CHANGES, status: true };
    case 'notice':
      vm.notices.push({ level: msg.level, text: msg.text });
      if (vm.notices.length > MAX_NOTICES) vm.notices.splice(0, vm.notices.length - MAX_NOTICES);
      return { ...NO_CHANGES, notices: true };
  }
}

function applyRecord(vm: RunViewModel, r: MetricRecord): Changes {
  switch (r.kind) {
    case 'step': {
      const s = vm.series;
      const at = vm.axes.step(r);
      s.trainLoss.push(r.t, r.loss, at);
      if (r.alpha !== undefined) s.alpha.push(r.t, r.alpha, at);
      s.lr.push(r.t, r.lr, at);
      s.forwardMs.push(r.t, r.timing.forwardMs, at);
      s.rngMs.push(r.t, r.timing.rngMs, at);
      s.optimizerMs.push(r.t, r.timing.optimizerMs, at);
      s.dataMs.push(r.t, r.timing.dataMs, at);
      s.examplesPerSec.push(r.t, r.examplesPerSec, at);
      if (r.skipped) vm.skippedSteps++;
      vm.lastStep = r;
      return { ...NO_CHANGES, status: true, charts: true };
    }
    case 'eval': {
      const at = vm.axes.eval(r);
      vm.series.evalLoss.push(r.t, r.loss, at);
      if (r.accuracy !== undefined) vm.series.evalAccuracy.push(r.t, r.accuracy, at);
      vm.lastEval = r;
      return { ...NO_CHANGES, status: true, charts: true };
    }
    case 'layers':
      vm.layers = { t: r.t, rows: r.layers };
      vm.heatmap.add(r);
      return { ...NO_CHANGES, layers: true, heatmap: true };
    case 'event':
      return applyEvent(vm, r);
    default:
      // A newer runtime may add record kinds; ignore what this panel does not know.
      return { ...NO_CHANGES };
  }
}

function applyEvent(vm: RunViewModel, r: EventRecord): Changes {
  const changes: Changes = { ...NO_CHANGES };
  if (r.event === 'hyperparameters') {
    const after = validateHyperparameterPatch((r.data as { after?: unknown } | undefined)?.after);
    if (after.ok) {
      Object.assign(vm.hyperparameters, after.value);
      changes.hyperparameters = true;
    }
  }
  if (r.event === 'provider') {
    vm.providerMessage = r.message;
    changes.status = true;
  }
  if (r.event === 'engine') {
    const info = (r.data as { concurrentPasses?: ConcurrentPassesInfo } | undefined)?.concurrentPasses;
    if (info && typeof info.used === 'boolean' && typeof info.reason === 'string') {
      vm.concurrentPasses = info;
      changes.status = true;
    }
  }
  if (r.event === 'guard') {
    // The latest guard event stays visible as a notice (its message says what to do); one at most,
    // so a run skipping many steps does not push the host's notices out.
    const i = vm.notices.findIndex((n) => n.source === 'guard');
    if (i >= 0) vm.notices.splice(i, 1);
    vm.notices.push({ level: guardAction(r) === 'stopped' ? 'error' : 'info', text: r.message, source: 'guard' });
    if (vm.notices.length > MAX_NOTICES) vm.notices.splice(0, vm.notices.length - MAX_NOTICES);
    changes.notices = true;
  }
  if (MARKER_EVENTS.has(r.event)) {
    vm.markers.push({ t: r.t, at: vm.axes.event(r), event: r.event, label: markerLabel(r), message: r.message });
    if (vm.markers.length > MAX_MARKERS) {
      vm.droppedMarkers += vm.markers.length - MAX_MARKERS;
      vm.markers.splice(0, vm.markers.length - MAX_MARKERS);
    }
    changes.charts = true;
  }
  return changes;
}

function markerLabel(r: EventRecord): string {
  if (r.event === 'hyperparameters') {
    const after = validateHyperparameterPatch((r.data as { after?: unknown } | undefined)?.after);
    if (after.ok) {
      return Object.entries(after.value)
        .map(([k, v]) => `${k}=${v === null ? 'auto' : formatCompact(v)}`)
        .join(' ');
    }
    return 'hyperparameters';
  }
  if (r.event === 'guard') return guardMarkerLabel(r.data);
  return r.event;
}

function guardAction(r: EventRecord): 'skipped' | 'stopped' | null {
  const a = r.data?.action;
  return a === 'skipped' || a === 'stopped' ? a : null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The marker text of a divergence-guard event (runtime/run/guards.ts; data as the trainer writes
 * it): which guard, the numbers that tripped it, and what the policy did, e.g.
 * "guard: loss 12.3 > 4x median 1.62 — step skipped". A NaN / Inf loss is null in the JSON record.
 */
export function guardMarkerLabel(data: Record<string, unknown> | undefined): string {
  const d = data ?? {};
  const loss = num(d.loss);
  const median = num(d.median);
  const reference = num(d.reference);
  const factor = num(d.factor);
  let what: string;
  switch (d.guard) {
    case 'non-finite-loss':
      what = 'non-finite loss';
      break;
    case 'loss-explosion':
      if (loss !== null && reference !== null && factor !== null) what = `loss ${formatCompact(loss)} > ${formatCompact(factor)}x median ${formatCompact(reference)}`;
      else if (loss !== null && median !== null && median > 0) what = `loss ${formatCompact(loss)} = ${formatCompact(loss / median)}x median ${formatCompact(median)}`;
      else what = loss !== null ? `loss exploded to ${formatCompact(loss)}` : 'loss exploded';
      break;
    case 'loss-collapse':
      what = 'loss collapsed to 0';
      break;
    case 'non-finite-state':
      what = typeof d.tensor === 'string' ? `non-finite value in ${d.tensor}` : 'non-finite weights or optimizer state';
      break;
    default:
      what = typeof d.guard === 'string' ? d.guard : 'tripped';
  }
  const restored = num(d.restoredTo);
  const outcome =
    d.action === 'skipped'
      ? `step skipped${restored !== null ? `, restored to step ${restored}` : ''}`
      : d.action === 'stopped'
        ? 'run stopped'
        : typeof d.policy === 'string'
          ? `policy ${d.policy}`
          : '';
  return `guard: ${what}${outcome ? ` — ${outcome}` : ''}`;
}

/** Short numbers for labels: 0.002, 1e-5, 12.5. */
export function formatCompact(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(2).replace(/\.?0+e/, 'e');
}

function hyperparametersOf(manifest: RunManifest): CurrentHyperparameters {
  const opt = manifest.config.optimizer as unknown as Record<string, unknown>;
  const out: CurrentHyperparameters = {};
  for (const key of LIVE_HYPERPARAMETERS) {
    const v = opt[key];
    if (typeof v === 'number' || v === null) out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------- derived views

const CONTROLLABLE: ReadonlySet<RunState> = new Set<RunState>(['starting', 'running', 'paused']);

export interface StatusView {
  state: RunState | 'unknown';
  step: number;
  totalSteps: number | null;
  loss: number | null;
  evalLoss: number | null;
  accuracy: number | null;
  runName: string | null;
  /** The run's id (its folder name): its colour in every comparison (webview/run-colours.ts). */
  runId: string | null;
  optimizer: string | null;
  /** The provider that really runs the graph. */
  provider: string | null;
  /** The ±eps passes of a step run side by side (engine.concurrentPasses). */
  concurrentPasses: boolean;
  requestedProvider: string | null;
  /** Set when the requested provider is not the one running: why. */
  fallback: { requested: string; actual: string; reason: string } | null;
  message: string | null;
  error: string | null;
  live: boolean;
  /** Settings the run resolved by itself (run.json optimizer.automatic), one line each: "optimizer.blocks auto → layer: why". */
  automatic: string[];
}

export function statusView(vm: RunViewModel): StatusView {
  const m = vm.manifest;
  const st = vm.status;
  const provider = st?.provider ?? m?.engine.provider ?? null;
  const requested = m?.engine.requestedProvider ?? null;
  const reason = m?.engine.fallbackReason ?? vm.providerMessage ?? null;
  const fellBack = requested !== null && provider !== null && requested !== provider;
  const passes = vm.concurrentPasses ?? m?.engine.concurrentPasses ?? null;
  return {
    state: st?.state ?? vm.summary?.state ?? 'unknown',
    // Status files are rewritten about once a second; step records arrive more often.
    step: Math.max(st?.step ?? 0, vm.lastStep?.t ?? 0),
    totalSteps: st?.totalSteps ?? m?.config.steps ?? null,
    loss: vm.lastStep?.loss ?? null,
    evalLoss: vm.lastEval?.loss ?? null,
    accuracy: vm.lastEval?.accuracy ?? null,
    runName: m?.name ?? null,
    runId: m?.id ?? null,
    optimizer: m ? optimizerLabel(m) : null,
    provider,
    concurrentPasses: passes?.used ?? false,
    requestedProvider: requested,
    fallback: fellBack ? { requested: requested!, actual: provider!, reason: reason ?? 'no reason recorded' } : null,
    message: st?.message ?? null,
    error: st?.error ?? null,
    live: vm.live,
    automatic: [
      ...(m?.optimizer.automatic ?? []).map((c) => `${c.key} ${c.requested ?? 'null'} → ${c.chosen}: ${c.reason}`),
      ...(passes?.requested === 'auto' ? [`engine.concurrentPasses auto → ${passes.used ? 'on' : 'off'}: ${passes.reason}`] : []),
      ...(m?.engine.providerCheck ? [`engine.provider auto → ${m.engine.provider}: ${m.engine.providerCheck}`] : []),
    ],
  };
}

export interface ControlAvailability {
  pause: boolean;
  resume: boolean;
  stop: boolean;
  /** The hyperparameter form can be submitted. */
  hyperparameters: boolean;
}

/** Which controls make sense now: only for a live run, and per state. */
export function controlAvailability(vm: RunViewModel): ControlAvailability {
  const state = vm.status?.state;
  const active = vm.live && state !== undefined && CONTROLLABLE.has(state);
  return {
    pause: active && state === 'running',
    resume: active && state === 'paused',
    stop: active,
    hyperparameters: active,
  };
}
