/**
 * Start run: pick (or write) a config, validate it exactly as the CLI will (same loader, same
 * overrides), then fork the runtime. A config error is shown before any process starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError } from '../../runtime/protocol';
import { loadConfig, parseOverride, readUserConfig } from '../../runtime/cli/config-file';
import { runsDirFor, settingOverrides } from '../run-overrides';
import type { RunSession } from '../run-session';
import type { Services } from '../services';
import { readRunSettings } from '../settings';
import { ensureTrusted } from '../workspace-trust';
import { pickRunConfig } from './config-picker';
import { runShortForm } from './short-form-wizard';

function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', arg));
  return undefined;
}

/** Command handler; `arg` (a config Uri or path) skips the quick pick. Returns the session for callers and tests. */
export function startRunCommand(services: Services) {
  return async (arg?: unknown): Promise<RunSession | undefined> => {
    if (!(await ensureTrusted())) return undefined;
    const uri = toUri(arg) ?? (await chooseRunConfig(services));
    return uri ? launch(services, uri) : undefined;
  };
}

/** A config file from the workspace, or one the short form writes into .helene/configs/ (Start run, Start sweep). */
export async function chooseRunConfig(services: Services): Promise<vscode.Uri | undefined> {
  const choice = await pickRunConfig();
  if (!choice) return undefined;
  if (choice.kind === 'file') return choice.uri;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) {
    void vscode.window.showErrorMessage('Open a folder first: the short form writes its config into .helene/configs/ of the workspace.');
    return undefined;
  }
  return runShortForm(root, { cliPath: path.join(services.extensionPath, 'dist', 'cli.js'), output: services.output });
}

async function showConfigError(services: Services, uri: vscode.Uri, error: ConfigError): Promise<void> {
  services.output.error(error.message);
  const first = error.issues[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more, see the output)` : '';
  const choice = await vscode.window.showErrorMessage(
    `${path.basename(uri.fsPath)}: ${first ? `${first.path}: ${first.message}` : 'invalid run configuration'}${more}`,
    'Open Config',
    'Show Output',
  );
  if (choice === 'Open Config') await vscode.window.showTextDocument(uri);
  if (choice === 'Show Output') services.output.show();
}

export async function launch(services: Services, uri: vscode.Uri): Promise<RunSession | undefined> {
  const configPath = uri.fsPath;
  const workspaceRoot = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const settings = readRunSettings(uri);
  const overrides = settingOverrides(settings);
  let label: string;
  let runsDir: string | undefined;
  try {
    const user = readUserConfig(configPath);
    const { config, warnings } = loadConfig(configPath, overrides.map(parseOverride));
    for (const w of warnings) services.output.warn(`${path.basename(configPath)}: ${w.path} ${w.message}`);
    label = config.name;
    runsDir = runsDirFor(settings, user, workspaceRoot);
  } catch (e) {
    if (e instanceof ConfigError) {
      await showConfigError(services, uri, e);
      return undefined;
    }
    throw e;
  }
  const cliPath = path.join(services.extensionPath, 'dist', 'cli.js');
  if (!fs.existsSync(cliPath)) {
    void vscode.window.showErrorMessage(`The HELENE runtime is missing (${cliPath}); build the extension with "npm run build".`);
    return undefined;
  }
  services.output.info(`starting "${label}" from ${configPath}${runsDir ? ` (runs in ${runsDir})` : ''}${overrides.length ? ` with ${overrides.join(' ')}` : ''}`);
  return services.registry.start({ cliPath, configPath, runsDir, overrides, cwd: workspaceRoot ?? path.dirname(configPath) }, label);
}
