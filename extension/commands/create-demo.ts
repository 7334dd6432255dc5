/**
 * HELENE: Create demo workspace — scaffolds the demo (model, data, MeZO and HELENE configs, README)
 * into an empty folder the user picks, via `helene-studio scaffold` in a child process, then offers
 * to open it.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';

/** Context key set once a demo workspace was written; the walkthrough's "demo" step completes on it. */
export const DEMO_CREATED_CONTEXT = 'heleneStudio.demoCreated';

export function createDemoWorkspaceCommand(services: Services) {
  return async (): Promise<string | undefined> => {
    const [folder] =
      (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Create demo here', title: 'HELENE: pick an empty folder for the demo workspace' })) ?? [];
    if (!folder) return undefined;
    const result = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = fork(path.join(services.extensionPath, 'dist', 'cli.js'), ['scaffold', folder.fsPath], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      let err = '';
      child.stderr?.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, err }));
    });
    if (result.code !== 0) {
      void vscode.window.showErrorMessage(`HELENE: ${result.err.replace(/^error:\s*/, '').trim() || 'could not create the demo workspace'}`);
      return undefined;
    }
    services.output.info(`demo workspace created in ${folder.fsPath}`);
    // Ticks the walkthrough's first step (its completion event): only a demo really written counts.
    await vscode.commands.executeCommand('setContext', DEMO_CREATED_CONTEXT, true);
    const open = await vscode.window.showInformationMessage(`Demo workspace created in ${folder.fsPath}.`, 'Open folder', 'Open in new window');
    if (open) await vscode.commands.executeCommand('vscode.openFolder', folder, open === 'Open in new window');
    return folder.fsPath;
  };
}
