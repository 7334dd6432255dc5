/**
 * Run discovery for the runs view: every folder of the runs directory becomes a RunListItem, or an
 * UnreadableRun with the reason (missing or broken run.json, a newer format, a bad status file) —
 * one bad folder never hides the others. Reads only the small files (run.json, status.json,
 * summary.json); a run without a summary (live, or killed) has its metrics.jsonl read incrementally
 * by a MetricsTail that the RunCatalog keeps between refreshes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimizerLabel, RUN_FORMAT, RUN_FORMAT_VERSION, type RunManifest, type RunState, type RunStatus, type RunSummary } from '../protocol';
import { listCheckpoints } from '../run/checkpoint';
import { RUN_FILES } from '../run/run-folder';
import { lockOwnerAlive } from './lock-owner';
import { MetricsTail } from './metrics-tail';
import { isLive, type RunListEntry, type RunListItem, type UnreadableRun } from './run-list-item';

type JsonRead<T> = { ok: true; value: T | null } | { ok: false; reason: string };

function readJsonFile<T>(file: string): JsonRead<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { ok: true, value: null } : { ok: false, reason: `${path.basename(file)}: ${(e as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (e) {
    return { ok: false, reason: `${path.basename(file)} is not valid JSON (${(e as Error).message})` };
  }
}

/** Why a manifest cannot be shown, or null when it can. */
export function manifestProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'run.json is not a JSON object';
  const o = m as Partial<RunManifest>;
  if (o.format !== RUN_FORMAT) return `run.json is not a HELENE run (format ${JSON.stringify(o.format)}, expected "${RUN_FORMAT}")`;
  if (typeof o.version !== 'number') return 'run.json has no version';
  if (o.version > RUN_FORMAT_VERSION) {
    return `run format v${o.version} is newer than this version reads (v${RUN_FORMAT_VERSION}); update HELENE Studio to open it`;
  }
  if (typeof o.name !== 'string' || !o.config || typeof o.config !== 'object' || !o.optimizer || typeof o.optimizer.name !== 'string') {
    return 'run.json misses name, config or optimizer';
  }
  return null;
}

/** The state shown: a live-looking status whose owner process is gone is 'interrupted'. */
export function displayedState(status: RunStatus | null, summary: RunSummary | null, ownerAlive: boolean): RunState {
  const recorded = status?.state ?? summary?.state ?? (ownerAlive ? 'starting' : 'interrupted');
  return isLive(recorded) && !ownerAlive ? 'interrupted' : recorded;
}

/**
 * Read one folder. `tail` (kept by the caller between calls) makes repeated reads of a live run
 * cost only the appended bytes.
 */
export function readRunListEntry(dir: string, tail?: MetricsTail): RunListEntry {
  const id = path.basename(dir);
  const unreadable = (reason: string): UnreadableRun => ({ kind: 'unreadable', id, dir, reason });
  const m = readJsonFile<RunManifest>(path.join(dir, RUN_FILES.manifest));
  if (!m.ok) return unreadable(m.reason);
  if (m.value === null) return unreadable('not a run folder: no run.json');
  const problem = manifestProblem(m.value);
  if (problem) return unreadable(problem);
  const manifest = m.value;
  const st = readJsonFile<RunStatus>(path.join(dir, RUN_FILES.status));
  const su = readJsonFile<RunSummary>(path.join(dir, RUN_FILES.summary));
  const warnings: string[] = [];
  if (!st.ok) warnings.push(st.reason);
  if (!su.ok) warnings.push(su.reason);
  const status = st.ok ? st.value : null;
  const summary = su.ok ? su.value : null;
  const state = displayedState(status, summary, lockOwnerAlive(dir));
  let bestEval = summary?.bestEval ?? null;
  let step = status?.step ?? summary?.steps ?? 0;
  // No summary yet (live or killed): the best eval and the last step come from the metrics.
  if (!summary || isLive(state)) {
    const t = tail ?? new MetricsTail(path.join(dir, RUN_FILES.metrics));
    if (t.refresh()) {
      bestEval = t.bestEval ?? bestEval;
      if (!status) step = Math.max(step, t.lastStep);
      if (t.badLines) warnings.push(`${t.badLines} corrupt eval line(s) in metrics.jsonl were skipped`);
    }
  }
  const item: RunListItem = {
    kind: 'run',
    id,
    dir,
    name: manifest.name,
    optimizer: optimizerLabel(manifest),
    model: path.basename(manifest.model?.path ?? manifest.config.model?.path ?? '?'),
    state,
    step,
    totalSteps: status?.totalSteps ?? manifest.config.steps ?? 0,
    bestEval,
    startedAt: manifest.createdAt,
    updatedAt: status?.updatedAt ?? null,
    provider: manifest.engine?.provider ?? status?.provider ?? null,
    error: status?.error ?? null,
    starred: manifest.starred === true,
    tags: Array.isArray(manifest.tags) ? manifest.tags.filter((t): t is string => typeof t === 'string') : [],
    notes: typeof manifest.notes === 'string' ? manifest.notes : '',
    warnings,
    checkpointStep: listCheckpoints(dir)[0]?.step ?? null,
  };
  return item;
}

/** Folder names of the runs directory that can be runs: directories, not hidden (.sweeps, .helene-profile-*). */
export function runFolderNames(runsDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** One-shot listing (the CLI, tests). The runs view keeps a RunCatalog instead. */
export function discoverRuns(runsDir: string): RunListEntry[] {
  return runFolderNames(runsDir).map((name) => readRunListEntry(path.join(runsDir, name)));
}

/**
 * The runs view's model of one runs directory: refresh() re-reads everything (start, folder
 * added or removed), refreshRun(id) one folder (a watcher saw its status or manifest change).
 * MetricsTails are kept per folder so a live run's list entry costs only the appended bytes.
 */
export class RunCatalog {
  private readonly entries = new Map<string, RunListEntry>();
  private readonly tails = new Map<string, MetricsTail>();

  constructor(readonly runsDir: string) {}

  refresh(): RunListEntry[] {
    const names = new Set(runFolderNames(this.runsDir));
    for (const id of [...this.entries.keys()]) if (!names.has(id)) this.forget(id);
    for (const id of names) this.refreshRun(id);
    return this.list();
  }

  /** Re-read one folder; a folder that is gone is dropped (returns null). */
  refreshRun(id: string): RunListEntry | null {
    const dir = path.join(this.runsDir, id);
    if (!fs.existsSync(dir)) {
      this.forget(id);
      return null;
    }
    let tail = this.tails.get(id);
    if (!tail) this.tails.set(id, (tail = new MetricsTail(path.join(dir, RUN_FILES.metrics))));
    let entry: RunListEntry;
    try {
      entry = readRunListEntry(dir, tail);
    } catch (e) {
      // Belt and braces: whatever a folder holds, the view gets an entry, not an exception.
      entry = { kind: 'unreadable', id, dir, reason: (e as Error).message };
    }
    this.entries.set(id, entry);
    return entry;
  }

  get(id: string): RunListEntry | undefined {
    return this.entries.get(id);
  }

  forget(id: string): void {
    this.entries.delete(id);
    this.tails.delete(id);
  }

  list(): RunListEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
