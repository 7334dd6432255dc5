/**
 * The walkthrough's "Start a HELENE run" step completes on a context key, not on the command's
 * invocation: invoking Start run and cancelling the picker, or a config error, must leave it open.
 * The key turns true when the runtime reports a run's first step (a run really started training).
 *
 * It is a pulse (true, then false again after PULSE_MS), at every run's first step, because of how
 * VS Code's walkthroughs service (1.100) reads an `onContext:` completion event: it ticks the step
 * on a context *change* it sees; a key already true when the service starts (it starts lazily, when
 * a walkthrough is first shown) is recorded as seen and never ticks the step in that window. Left
 * true, a run started before the walkthrough was ever opened would keep the step open for good; as
 * a pulse the next run ticks it. A ticked step stays ticked (VS Code stores the progress).
 */
import * as vscode from 'vscode';
import type { RunRegistry } from './run-registry';

export const RUN_STARTED_CONTEXT = 'heleneStudio.runStarted';
/** How long the key stays true: long enough for the workbench to see the change. */
export const RUN_STARTED_PULSE_MS = 1_000;

export function markFirstStep(registry: RunRegistry, pulseMs = RUN_STARTED_PULSE_MS): vscode.Disposable {
  const offs: (() => void)[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const setKey = (value: boolean) => void vscode.commands.executeCommand('setContext', RUN_STARTED_CONTEXT, value);
  offs.push(
    registry.events.on('added', (session) => {
      const off = session.events.on('records', (records) => {
        if (!records.some((r) => r.kind === 'step')) return;
        off();
        setKey(true);
        const timer = setTimeout(() => {
          timers.delete(timer);
          setKey(false);
        }, pulseMs);
        timers.add(timer);
      });
      offs.push(off);
    }),
  );
  return new vscode.Disposable(() => {
    for (const off of offs.splice(0)) off();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });
}
