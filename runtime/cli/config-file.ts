/**
 * Read a run config file, apply command-line overrides, validate, and resolve relative paths
 * against the config file's folder (so a config works from any working directory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findDuplicateKey } from '../protocol/json-duplicate-keys';
import { flattenConfig } from '../runs/config-diff';
import { ConfigError, mergeConfig, resolveConfig, type ConfigIssue, type ResolvedConfig } from '../protocol';

export interface LoadedConfig {
  config: ResolvedConfig;
  warnings: ConfigIssue[];
  file: string;
}

/** `a.b.c=value` → { a: { b: { c: value } } }; the value is JSON when it parses, else a string. */
export function parseOverride(text: string): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError([{ path: text, message: 'an override must look like key.path=value, e.g. optimizer.lr=0.001' }], '--set');
  const keys = text.slice(0, eq).trim().split('.');
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return keys.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value as Record<string, unknown>);
}

export function readUserConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message }], file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }], file);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    throw new ConfigError([{ path: duplicate.path, message: `appears twice in one object (line ${duplicate.line}); JSON would silently keep the last one, so remove one of them` }], file);
  }
  // Checked before overrides are merged: merging would turn an array into {"0": ...} keys.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    throw new ConfigError([{ path: '(root)', message: `the config must be a JSON object, got ${got}` }], file);
  }
  return parsed as Record<string, unknown>;
}

/**
 * `origins[i]` is what the user typed for `overrides[i]` (e.g. "--steps ten"): a value that fails
 * validation is then blamed on the command line rather than on the file.
 */
export function loadConfig(file: string, overrides: Record<string, unknown>[] = [], origins: readonly string[] = []): LoadedConfig {
  const absolute = path.resolve(file);
  let user: Record<string, unknown> = readUserConfig(absolute);
  for (const o of overrides) user = mergeConfig(user, o);
  let resolved;
  try {
    resolved = resolveConfig(user, absolute);
  } catch (e) {
    if (e instanceof ConfigError && origins.length) throw blameCommandLine(e, overrides, origins, absolute);
    throw e;
  }
  const { config, warnings } = resolved;
  resolvePaths(config, path.dirname(absolute));
  return { config, warnings, file: absolute };
}

export function resolvePaths(config: ResolvedConfig, baseDir: string): void {
  config.model.path = path.resolve(baseDir, config.model.path);
  config.data.train = path.resolve(baseDir, config.data.train);
  if (config.data.eval) config.data.eval = path.resolve(baseDir, config.data.eval);
  if (config.data.tokenizer) config.data.tokenizer = path.resolve(baseDir, config.data.tokenizer);
  config.output.runsDir = path.resolve(baseDir, config.output.runsDir);
}

/** Issues whose key an override set name what was typed; if every issue came from there, so does the source. */
function blameCommandLine(e: ConfigError, overrides: Record<string, unknown>[], origins: readonly string[], file: string): ConfigError {
  const keys = overrides.map((o) => Object.keys(flattenConfig(o))[0] ?? '');
  // The last override of a key wins, so it is the one to blame.
  const originOf = (issuePath: string): string | undefined => {
    for (let i = keys.length - 1; i >= 0; i--) if (keys[i] && (issuePath === keys[i] || issuePath.startsWith(`${keys[i]}.`))) return origins[i];
    return undefined;
  };
  const issues = e.issues.map((i) => {
    const origin = originOf(i.path);
    return origin ? { ...i, message: `${i.message} (from ${origin} on the command line)` } : i;
  });
  const all = issues.every((i, k) => i !== e.issues[k]);
  return new ConfigError(issues, all ? 'command line' : file);
}
