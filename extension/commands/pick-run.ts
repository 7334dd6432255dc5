/** Choosing the run a control command acts on: the only live one, or a quick pick among several. */
import * as vscode from 'vscode';
import type { RunRegistry } from '../run-registry';
import type { RunSession } from '../run-session';
import { statusText } from '../status-text';

/** `arg` (from a panel, the status bar or a test) may name the run by its folder or id. */
export async function pickLiveRun(registry: RunRegistry, arg: unknown, action: string): Promise<RunSession | undefined> {
  const live = registry.live();
  if (typeof arg === 'string') {
    const named = live.find((s) => s.runDir === arg || s.runId === arg);
    if (named) return named;
  }
  if (live.length === 0) {
    void vscode.window.showInformationMessage(`No HELENE run is active in this window, so there is nothing to ${action}.`);
    return undefined;
  }
  if (live.length === 1) return live[0];
  const picked = await vscode.window.showQuickPick(
    live.map((session) => ({ label: session.name, description: statusText(session).text.replace(/\$\([^)]*\)\s*/g, ''), detail: session.runDir ?? undefined, session })),
    { title: `HELENE: ${action} which run?`, placeHolder: 'Active runs' },
  );
  return picked?.session;
}
