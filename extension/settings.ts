/** Reads the heleneStudio.* settings; "set by the user" is what decides whether a setting overrides a config. */
import * as vscode from 'vscode';
import type { RequestedProvider } from '../runtime/protocol';
import type { RunSettings } from './run-overrides';

export const SETTINGS_SECTION = 'heleneStudio';

function explicit<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const i = config.inspect<T>(key);
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
}

export function readRunSettings(scope?: vscode.Uri): RunSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return {
    provider: explicit<RequestedProvider>(config, 'provider'),
    threads: explicit<number>(config, 'threads'),
    statsInterval: explicit<number>(config, 'statsInterval'),
    runsFolder: explicit<string>(config, 'runsFolder'),
    defaultRunsFolder: config.get<string>('runsFolder') || 'runs',
  };
}

/** heleneStudio.queue.url: the Redis queue "Start sweep" can target and the Sweeps view shows ("" = none). */
export function readQueueUrl(scope?: vscode.Uri): string {
  return (vscode.workspace.getConfiguration(SETTINGS_SECTION, scope).get<string>('queue.url') ?? '').trim();
}
