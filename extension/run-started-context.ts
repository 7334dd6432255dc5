/**
 * The walkthrough's "Start a HELENE run" step completes on a context key, not on the command's
 * invocation: invoking Start run and cancelling the picker, or a config error, must leave it open.
 * The key is set once the runtime reports a run's first step (a run really started training).
 */
import * as vscode from 'vscode';
import type { RunRegistry } from './run-registry';

export const RUN_STARTED_CONTEXT = 'heleneStudio.runStarted';

export function markFirstStep(registry: RunRegistry): vscode.Disposable {
  let marked = false;
  const offs: (() => void)[] = [];
  offs.push(
    registry.events.on('added', (session) => {
      if (marked) return;
      const off = session.events.on('records', (records) => {
        if (marked || !records.some((r) => r.kind === 'step')) return;
        marked = true;
        off();
        void vscode.commands.executeCommand('setContext', RUN_STARTED_CONTEXT, true);
      });
      offs.push(off);
    }),
  );
  return new vscode.Disposable(() => {
    for (const off of offs.splice(0)) off();
  });
}
