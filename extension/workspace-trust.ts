/**
 * Restricted mode: a run executes model files and a runtime process from the workspace, so none
 * starts in an untrusted workspace. The start command is also disabled there by its enablement
 * ("isWorkspaceTrusted"); this check covers calls from other extensions, keybindings and tests,
 * and tells the user why instead of failing silently.
 */
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE =
  'HELENE Studio cannot start a run in an untrusted workspace: a run loads model and data files from the workspace and executes a training process. Trust this workspace to start runs (existing run folders can still be viewed).';

export async function ensureTrusted(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
