/**
 * Sweep grids: parse `optimizer.lr=1e-3,3e-3; optimizer.name=mezo,helene; seed=1,2` (or the JSON
 * form `{"optimizer.lr": [0.001, 0.003], ...}`) into axes, and expand a base config x grid into an
 * ordered list of planned runs. Every expanded config is validated with resolveConfig before
 * anything starts, so a typo in a key or a bad value fails at once, naming the grid axis.
 * Browser-safe: no Node imports (the extension's input box validates with it as the user types).
 */
import { ConfigError, mergeConfig, resolveConfig, type ConfigIssue, type SweepAxis, type SweepValue } from '../protocol';

/** The most runs one sweep may plan. */
export const MAX_SWEEP_RUNS = 200;

/** Keys a grid may not vary: the sweep names and places its run folders itself. */
const RESERVED_KEYS = ['output.runId', 'output.runsDir'];

export interface PlannedRun {
  index: number;
  runId: string;
  label: string;
  values: Record<string, SweepValue>;
  /** `key.path=<JSON>` overrides that turn the base config into this run (the CLI's --set). */
  overrides: string[];
  /** The user config of this run (base merged with its grid values, run id and name), unresolved. */
  config: Record<string, unknown>;
}

function gridError(message: string, path = 'grid'): ConfigError {
  return new ConfigError([{ path, message }], 'sweep grid');
}

/** A value as the user typed it: JSON when it parses (numbers, booleans, null, quoted strings), else the string. */
export function parseSweepValue(raw: string): SweepValue {
  const text = raw.trim();
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  } catch {
    // not JSON: a bare string such as helene or cpu
  }
  return text;
}

/** Split on `sep` outside quotes and brackets (so `"a,b"` stays one value). */
function splitTop(text: string, seps: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      cur += ch;
      if (ch === '\\' && i + 1 < text.length) cur += text[++i];
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') quote = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && seps.includes(ch)) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkAxis(key: string, values: SweepValue[], seen: Set<string>): SweepAxis {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) throw gridError(`"${key}" is not a config key path (expected e.g. optimizer.lr)`);
  if (RESERVED_KEYS.includes(key)) throw gridError(`${key} cannot be a grid axis: the sweep names and places its run folders itself (use --runs-dir for the folder)`, key);
  if (seen.has(key)) throw gridError(`axis ${key} is given twice`, key);
  if (values.length === 0) throw gridError(`axis ${key} has no values`, key);
  const distinct = new Set(values.map((v) => JSON.stringify(v)));
  if (distinct.size !== values.length) throw gridError(`axis ${key} repeats a value`, key);
  seen.add(key);
  return { key, values };
}

/**
 * Parse a grid. Text form: axes separated by `;` or new lines, each `key.path=v1,v2,...`.
 * JSON form: an object of key path → array of values (or a single value).
 */
export function parseSweepGrid(text: string): SweepAxis[] {
  const trimmed = text.trim();
  if (!trimmed) throw gridError('the grid is empty; write e.g. optimizer.lr=1e-3,3e-3; seed=1,2');
  const seen = new Set<string>();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      throw gridError(`not valid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw gridError('the JSON form must be an object of key path → array of values');
    return Object.entries(obj as Record<string, unknown>).map(([key, raw]) => {
      const list = Array.isArray(raw) ? raw : [raw];
      for (const v of list) {
        if (!(v === null || ['number', 'string', 'boolean'].includes(typeof v))) throw gridError(`axis ${key}: values must be numbers, strings, booleans or null, got ${JSON.stringify(v)}`, key);
      }
      return checkAxis(key.trim(), list as SweepValue[], seen);
    });
  }
  const axes: SweepAxis[] = [];
  for (const part of splitTop(trimmed, ';\n')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw gridError(`"${part.trim()}" must look like key.path=value1,value2`);
    const key = part.slice(0, eq).trim();
    const rawValues = splitTop(part.slice(eq + 1), ',');
    if (rawValues.some((v) => !v.trim())) throw gridError(`axis ${key} has an empty value`, key);
    axes.push(checkAxis(key, rawValues.map(parseSweepValue), seen));
  }
  if (axes.length === 0) throw gridError('the grid is empty; write e.g. optimizer.lr=1e-3,3e-3; seed=1,2');
  return axes;
}

/** Number of runs a grid expands to. */
export function sweepSize(axes: readonly SweepAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, axes.length ? 1 : 0);
}

function formatValue(v: SweepValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Short axis names for labels: the last key segment, or the whole key when two axes share it. */
function shortNames(axes: readonly SweepAxis[]): string[] {
  const last = axes.map((a) => a.key.split('.').pop() as string);
  return axes.map((a, i) => (last.filter((l) => l === last[i]).length > 1 ? a.key : last[i]));
}

export function sweepLabel(axes: readonly SweepAxis[], values: Record<string, SweepValue>): string {
  const names = shortNames(axes);
  return axes.map((a, i) => `${names[i]}=${formatValue(values[a.key])}`).join(' ');
}

function nest(key: string, value: unknown): Record<string, unknown> {
  return key.split('.').reduceRight<Record<string, unknown>>((inner, k) => ({ [k]: inner }), value as Record<string, unknown>);
}

/** A sweep id / run folder name must be a plain name. */
export function checkSweepId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(id)) {
    throw gridError(`sweep id ${JSON.stringify(id)} must be a plain name (letters, digits, . _ -, at most 81 characters)`, 'sweep id');
  }
}

/** `sweep-yyyymmdd-hhmmss` in local time. */
export function defaultSweepId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `sweep-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

export interface ExpandOptions {
  sweepId: string;
  /** Named in error messages (the base config file). */
  source?: string;
  /** Default MAX_SWEEP_RUNS. */
  maxRuns?: number;
}

/**
 * Base config x grid → planned runs in cartesian order (first axis slowest, last fastest), each
 * validated with resolveConfig. Throws ConfigError: every issue that a grid axis causes is
 * reported under that axis ("grid axis optimizer.lrr = 0.001: unknown key (did you mean …)").
 */
export function expandSweep(base: Record<string, unknown>, axes: readonly SweepAxis[], options: ExpandOptions): PlannedRun[] {
  checkSweepId(options.sweepId);
  const max = options.maxRuns ?? MAX_SWEEP_RUNS;
  const total = sweepSize(axes);
  if (total === 0) throw gridError('the grid is empty');
  if (total > max) {
    throw gridError(`the grid expands to ${total} runs (${axes.map((a) => a.values.length).join(' x ')}); a sweep may have at most ${max}. Use fewer values.`);
  }
  const width = Math.max(2, String(total).length);
  const baseName = typeof base.name === 'string' && base.name ? base.name : options.sweepId;
  const varyName = axes.some((a) => a.key === 'name');
  const runs: PlannedRun[] = [];
  const issues = new Map<string, ConfigIssue>();
  for (let index = 0; index < total; index++) {
    const values: Record<string, SweepValue> = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const n = axes[a].values.length;
      values[axes[a].key] = axes[a].values[rest % n];
      rest = Math.floor(rest / n);
    }
    const ordered: Record<string, SweepValue> = {};
    for (const a of axes) ordered[a.key] = values[a.key];
    const runId = `${options.sweepId}-${String(index + 1).padStart(width, '0')}`;
    const label = sweepLabel(axes, ordered);
    const overrides = axes.map((a) => `${a.key}=${JSON.stringify(ordered[a.key])}`);
    overrides.push(`output.runId=${JSON.stringify(runId)}`);
    if (!varyName) overrides.push(`name=${JSON.stringify(`${baseName} ${label}`)}`);
    let config: Record<string, unknown> = { ...base };
    for (const o of overrides) {
      const eq = o.indexOf('=');
      config = mergeConfig(config, nest(o.slice(0, eq), JSON.parse(o.slice(eq + 1))));
    }
    for (const { issue, key } of validatePlanned(config, axes, ordered, label, options.source)) if (!issues.has(key)) issues.set(key, issue);
    runs.push({ index, runId, label, values: ordered, overrides, config });
  }
  // Every distinct problem of every run at once (the same typo in all runs is reported once).
  if (issues.size) throw new ConfigError([...issues.values()], options.source ? `${options.source} (sweep)` : 'sweep');
  return runs;
}

/** Issues of one planned run, each with a key that is the same for the same problem in another run. */
function validatePlanned(config: Record<string, unknown>, axes: readonly SweepAxis[], values: Record<string, SweepValue>, label: string, source?: string): { issue: ConfigIssue; key: string }[] {
  try {
    resolveConfig(config, source);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((issue) => {
      // The axis whose key is (or contains, or sits inside) the failing path.
      const axis = axes.find((a) => issue.path === a.key || issue.path.startsWith(a.key + '.') || issue.path.startsWith(a.key + '[') || a.key.startsWith(issue.path + '.'));
      // Messages about a value quote it, so "same axis, same message" is the same problem.
      const key = `${axis?.key ?? issue.path}\n${issue.message}`;
      if (axis) {
        return { key, issue: { path: `grid axis ${axis.key} = ${formatValue(values[axis.key])}`, message: `${issue.path}: ${issue.message}` } };
      }
      return { key, issue: { path: issue.path, message: `${issue.message} (in the run ${label})` } };
    });
  }
}
