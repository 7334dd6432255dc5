/**
 * Read a run config file, apply command-line overrides, validate, and resolve relative paths
 * against the config file's folder (so a config works from any working directory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findDuplicateKey } from '../protocol/json-duplicate-keys';
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

export function loadConfig(file: string, overrides: Record<string, unknown>[] = []): LoadedConfig {
  const absolute = path.resolve(file);
  let user: Record<string, unknown> = readUserConfig(absolute);
  for (const o of overrides) user = mergeConfig(user, o);
  const { config, warnings } = resolveConfig(user, absolute);
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
