/**
 * Turns the user's HELENE Studio settings into runtime flags. A setting overrides a run config only
 * when the user set it (a default-valued setting must not silently replace "provider": "cpu"
 * written in a config); values travel as the CLI's `--set key.path=<JSON>`.
 */
import * as path from 'node:path';
import type { RequestedProvider } from '../runtime/protocol';

export interface RunSettings {
  /** Each is undefined unless the user set it (user, workspace or folder level). */
  provider?: RequestedProvider;
  threads?: number;
  statsInterval?: number;
  /** Explicitly set runs folder, if any. */
  runsFolder?: string;
  /** The effective runs folder (the setting or its default), relative to the workspace folder. */
  defaultRunsFolder: string;
}

export function settingOverrides(settings: RunSettings): string[] {
  const out: string[] = [];
  if (settings.provider !== undefined) out.push(`engine.provider=${JSON.stringify(settings.provider)}`);
  if (settings.threads !== undefined) out.push(`engine.threads=${JSON.stringify(settings.threads)}`);
  if (settings.statsInterval !== undefined) out.push(`statsEvery=${JSON.stringify(settings.statsInterval)}`);
  return out;
}

/**
 * Where the run folder goes: an explicit setting wins; else a runsDir written in the config is
 * kept (undefined = let the CLI use it); else the default folder under the workspace folder, so
 * runs started from configs anywhere in the workspace land in one place.
 */
export function runsDirFor(settings: RunSettings, userConfig: Record<string, unknown>, workspaceRoot: string | undefined): string | undefined {
  const base = workspaceRoot ?? process.cwd();
  if (settings.runsFolder !== undefined) return path.resolve(base, settings.runsFolder);
  const output = userConfig.output;
  if (output && typeof output === 'object' && 'runsDir' in output) return undefined;
  return path.resolve(base, settings.defaultRunsFolder);
}
