/**
 * Where Experiments rows come from. An ExperimentSource lists entries (a row without the
 * view-dependent hit/speedup, plus the record lows they are computed from); the model builder
 * (experiment-rows.ts) merges sources. RunFolderSource reads one runs folder; a queue-backed source
 * (issue 20's Redis/BullMQ sweeps) implements the same interface with rows of status 'queued'.
 *
 * RunFolderSource is cheap on a large runs folder: each run's digest of metrics.jsonl is kept with a
 * fingerprint (size and mtime of run.json, status.json, summary.json, metrics.jsonl) in memory and,
 * when a cache file is given, on disk; an unchanged folder costs four stat calls, a growing
 * metrics.jsonl only its appended bytes (the digest continues from the byte offset it stopped at).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimizerLabel, type ExperimentParamValue, type ExperimentRow, type RunManifest, type RunState, type RunStatus, type RunSummary } from '../protocol';
import { writeFileAtomic } from '../run/atomic-write';
import { RUN_FILES } from '../run/run-folder';
import { displayedState, manifestProblem, runFolderNames } from './discovery';
import { DigestBuilder, type RunDigest } from './experiment-digest';
import { lockOwnerAlive } from './lock-owner';
import { isLive } from './run-list-item';

/** A row before the view's target and baseline are applied. */
export type ExperimentRowBase = Omit<ExperimentRow, 'hit' | 'speedup'>;

export interface ExperimentEntry {
  row: ExperimentRowBase;
  lows: RunDigest['lows'];
}

export interface ExperimentSource {
  /** Shown in the page header (a runs folder, a queue name). */
  readonly label: string;
  /** Every entry, re-reading what changed. */
  entries(): ExperimentEntry[];
  /** Re-read only these ids (a watcher saw them change); returns the entries now (null: gone). */
  refresh(ids: readonly string[]): Map<string, ExperimentEntry | null>;
  /** Persist what is worth keeping (the digest cache); no-op when there is nothing to keep. */
  flush?(): void;
}

/** Config keys that name or place a run rather than configure it: never offered as parameters. */
const NOT_PARAMS = /^(name|output\.)/;

/** Every scalar leaf of a config by dotted key; arrays and nulls as their JSON text / null. */
export function flattenParams(config: unknown, prefix = '', out: Record<string, ExperimentParamValue> = {}): Record<string, ExperimentParamValue> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    if (prefix && !NOT_PARAMS.test(prefix)) {
      out[prefix] = Array.isArray(config) ? JSON.stringify(config) : (config as ExperimentParamValue);
    }
    return out;
  }
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

const CACHE_FORMAT = 'helene-experiments-cache';
/** Bump when RunDigest or the cached facts change shape: an older cache is then ignored. */
const CACHE_VERSION = 1;
const FILES = [RUN_FILES.manifest, RUN_FILES.status, RUN_FILES.summary, RUN_FILES.metrics] as const;

interface Facts {
  name: string;
  optimizer: string;
  createdAt: string;
  tags: string[];
  starred: boolean;
  /** The state as recorded in the files (a live-looking state is checked against run.lock on every read). */
  recordedState: RunState | null;
  hasSummary: boolean;
  step: number;
  totalSteps: number;
  params: Record<string, ExperimentParamValue>;
  warning: string | null;
}

interface CachedRun {
  fingerprint: string;
  facts: Facts | { unreadable: string };
  /** The digest and where in metrics.jsonl (inode, byte offset after the last whole line) it stopped. */
  digest: ReturnType<DigestBuilder['state']>;
  metricsIno: number;
  metricsOffset: number;
}

interface CacheFile {
  format: typeof CACHE_FORMAT;
  version: number;
  runsDir: string;
  runs: Record<string, CachedRun>;
}

type Stat = { size: number; mtimeMs: number; ino: number } | null;

function statOf(file: string): Stat {
  try {
    const s = fs.statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

function readJson<T>(file: string): { value: T | null; problem: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { value: null, problem: null } : { value: null, problem: `${path.basename(file)}: ${(e as Error).message}` };
  }
  try {
    return { value: JSON.parse(text) as T, problem: null };
  } catch (e) {
    return { value: null, problem: `${path.basename(file)} is not valid JSON (${(e as Error).message})` };
  }
}

function readFacts(dir: string): Facts | { unreadable: string } {
  const m = readJson<RunManifest>(path.join(dir, RUN_FILES.manifest));
  if (m.problem) return { unreadable: m.problem };
  if (!m.value) return { unreadable: 'not a run folder: no run.json' };
  const problem = manifestProblem(m.value);
  if (problem) return { unreadable: problem };
  const manifest = m.value;
  const st = readJson<RunStatus>(path.join(dir, RUN_FILES.status));
  const su = readJson<RunSummary>(path.join(dir, RUN_FILES.summary));
  return {
    name: manifest.name,
    optimizer: optimizerLabel(manifest),
    createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : '',
    tags: Array.isArray(manifest.tags) ? manifest.tags.filter((t): t is string => typeof t === 'string') : [],
    starred: manifest.starred === true,
    recordedState: st.value?.state ?? su.value?.state ?? null,
    hasSummary: su.value !== null,
    step: st.value?.step ?? su.value?.steps ?? 0,
    totalSteps: st.value?.totalSteps ?? manifest.config.steps ?? 0,
    params: flattenParams(manifest.config),
    warning: [st.problem, su.problem].filter(Boolean).join('; ') || null,
  };
}

/**
 * Feed the complete lines of `file` from byte `offset` to the builder; returns the offset after the
 * last complete line (a line being written is left for the next read). Lines are split on the
 * newline byte and decoded whole, so a multi-byte character is never cut.
 */
function digestAppended(file: string, offset: number, size: number, builder: DigestBuilder): number {
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    while (offset < size) {
      const read = fs.readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
      if (read === 0) break;
      const lastNl = buf.lastIndexOf(0x0a, read - 1);
      if (lastNl === -1) {
        if (read < buf.length) break; // the rest is one line still being written
        buf = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer: read it again, bigger
        continue;
      }
      let from = 0;
      while (from <= lastNl) {
        const nl = buf.indexOf(0x0a, from);
        if (nl > from) builder.consumeLine(buf.toString('utf8', from, nl));
        from = nl + 1;
      }
      offset += lastNl + 1;
    }
    return offset;
  } finally {
    fs.closeSync(fd);
  }
}

export interface RunFolderSourceOptions {
  /** Where to keep the digest cache between sessions (e.g. the extension's workspace storage); none: memory only. */
  cacheFile?: string;
}

/** Counts of what the last entries()/refresh() call did (tests and the open-time measurement). */
export interface SourceReadStats {
  folders: number;
  fromCache: number;
  /** Folders whose metrics.jsonl was read (whole or appended part). */
  metricsRead: number;
  metricsBytes: number;
}

export class RunFolderSource implements ExperimentSource {
  readonly label: string;
  private runs = new Map<string, CachedRun>();
  private dirty = false;
  lastRead: SourceReadStats = { folders: 0, fromCache: 0, metricsRead: 0, metricsBytes: 0 };

  constructor(readonly runsDir: string, private readonly options: RunFolderSourceOptions = {}) {
    this.label = runsDir;
    this.loadCache();
  }

  entries(): ExperimentEntry[] {
    this.lastRead = { folders: 0, fromCache: 0, metricsRead: 0, metricsBytes: 0 };
    const names = runFolderNames(this.runsDir);
    const present = new Set(names);
    for (const id of [...this.runs.keys()]) {
      if (!present.has(id)) {
        this.runs.delete(id);
        this.dirty = true;
      }
    }
    const out: ExperimentEntry[] = [];
    for (const id of names) {
      const e = this.read(id);
      if (e) out.push(e);
    }
    return out;
  }

  refresh(ids: readonly string[]): Map<string, ExperimentEntry | null> {
    this.lastRead = { folders: 0, fromCache: 0, metricsRead: 0, metricsBytes: 0 };
    const out = new Map<string, ExperimentEntry | null>();
    for (const id of ids) {
      if (!id || id.startsWith('.') || id.includes('/') || id.includes(path.sep)) continue;
      const e = fs.existsSync(path.join(this.runsDir, id)) ? this.read(id) : null;
      if (!e && this.runs.delete(id)) this.dirty = true;
      out.set(id, e);
    }
    return out;
  }

  private read(id: string): ExperimentEntry | null {
    const dir = path.join(this.runsDir, id);
    this.lastRead.folders++;
    const stats = FILES.map((f) => statOf(path.join(dir, f)));
    const fingerprint = stats.map((s) => (s ? `${s.size}:${s.mtimeMs}` : '-')).join('|');
    let cached = this.runs.get(id);
    if (cached && cached.fingerprint === fingerprint) {
      this.lastRead.fromCache++;
    } else {
      cached = this.reread(dir, stats, fingerprint, cached);
      this.runs.set(id, cached);
      this.dirty = true;
    }
    return toEntry(id, dir, cached);
  }

  private reread(dir: string, stats: Stat[], fingerprint: string, previous: CachedRun | undefined): CachedRun {
    const facts = readFacts(dir);
    const metrics = stats[3];
    // Continue the previous digest when the file only grew (same inode, not shorter): a live run.
    const grows = previous && metrics && metrics.ino === previous.metricsIno && metrics.size >= previous.metricsOffset;
    const builder = grows ? new DigestBuilder(previous.digest) : new DigestBuilder();
    let offset = grows ? previous.metricsOffset : 0;
    if (metrics && metrics.size > offset) {
      try {
        const before = offset;
        offset = digestAppended(path.join(dir, RUN_FILES.metrics), offset, metrics.size, builder);
        this.lastRead.metricsRead++;
        this.lastRead.metricsBytes += offset - before;
      } catch {
        // Gone or unreadable between stat and read: the row shows what the small files say.
      }
    }
    return { fingerprint, facts, digest: builder.state(), metricsIno: metrics?.ino ?? 0, metricsOffset: offset };
  }

  private loadCache(): void {
    const file = this.options.cacheFile;
    if (!file) return;
    try {
      const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
      // Another format, version or runs folder: start empty (the cache is only ever a shortcut).
      if (c.format !== CACHE_FORMAT || c.version !== CACHE_VERSION || c.runsDir !== this.runsDir || typeof c.runs !== 'object') return;
      this.runs = new Map(Object.entries(c.runs));
    } catch {
      // No cache yet, or a broken one: read the folders.
    }
  }

  flush(): void {
    const file = this.options.cacheFile;
    if (!file || !this.dirty) return;
    const c: CacheFile = { format: CACHE_FORMAT, version: CACHE_VERSION, runsDir: this.runsDir, runs: Object.fromEntries(this.runs) };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(c));
    this.dirty = false;
  }
}

function toEntry(id: string, dir: string, c: CachedRun): ExperimentEntry {
  const d = c.digest.digest;
  const base = { id, source: 'folder' as const, dir, tags: [], starred: false, createdAt: '' };
  if ('unreadable' in c.facts) {
    return {
      row: { ...base, name: id, status: 'unreadable', optimizer: '?', step: 0, totalSteps: 0, trainingPasses: 0, wallSeconds: 0, params: {}, metrics: {}, warning: c.facts.unreadable },
      lows: { trainLoss: [], evalLoss: [] },
    };
  }
  const f = c.facts;
  // A live-looking state whose owner process is gone reads 'interrupted' (as in the Runs view).
  const state = f.recordedState && !isLive(f.recordedState) ? f.recordedState : displayedState(f.recordedState ? ({ state: f.recordedState } as RunStatus) : null, null, lockOwnerAlive(dir));
  const warnings = [f.warning, d.badLines ? `${d.badLines} unreadable line(s) in metrics.jsonl were skipped` : null].filter(Boolean);
  return {
    row: {
      ...base,
      name: f.name,
      status: state,
      optimizer: f.optimizer,
      createdAt: f.createdAt,
      tags: f.tags,
      starred: f.starred,
      step: Math.max(f.step, d.steps),
      totalSteps: f.totalSteps,
      trainingPasses: d.trainingPasses,
      wallSeconds: d.wallSeconds,
      params: f.params,
      metrics: d.metrics,
      warning: warnings.join('; ') || null,
    },
    lows: d.lows,
  };
}
