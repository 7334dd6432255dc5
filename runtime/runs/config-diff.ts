/**
 * Config diff for the compare view: flatten each run's resolved config to dotted keys and keep only
 * the keys whose values differ between runs. Arrays are leaves (a list of trainable regexes is one
 * value, not N keys). Browser-safe.
 */
import type { CompareDiffRow } from '../protocol';

/** Keys that differ between any two runs by construction and say nothing about the training. */
export const DEFAULT_DIFF_IGNORE: readonly string[] = ['name', 'output.runId', 'output.runsDir'];

export function flattenConfig(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    // An empty object is still a value (e.g. data.fields {}): show it rather than lose the key.
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
  }
  return out;
}

export function diffConfigs(configs: readonly unknown[], ignore: readonly string[] = DEFAULT_DIFF_IGNORE): CompareDiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = new Set<string>();
  for (const f of flat) for (const k of Object.keys(f)) keys.add(k);
  const rows: CompareDiffRow[] = [];
  for (const key of [...keys].sort()) {
    if (ignore.includes(key)) continue;
    const values = flat.map((f) => (key in f ? f[key] : null));
    if (values.some((v) => v !== values[0])) rows.push({ key, values });
  }
  return rows;
}
