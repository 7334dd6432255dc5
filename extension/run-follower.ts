/**
 * What the window does around each run it starts: runtime output into the output channel, the
 * panel opened beside the editor once the run folder exists (not for a sweep's runs), a message when it ends (failures
 * always with their reason), and the context key that enables Pause/Resume/Stop in the palette.
 */
import * as vscode from 'vscode';
import { RunPanel } from './panel/run-panel';
import type { RunSession } from './run-session';
import type { Services } from './services';

export const LIVE_RUN_CONTEXT = 'heleneStudio.hasLiveRun';

export function followRuns(services: Services): vscode.Disposable {
  const { registry, output } = services;
  const updateContext = () => void vscode.commands.executeCommand('setContext', LIVE_RUN_CONTEXT, registry.live().length > 0);
  const offAdded = registry.events.on('added', (session) => {
    follow(services, session);
    updateContext();
  });
  const offChanged = registry.events.on('changed', updateContext);
  return new vscode.Disposable(() => {
    offAdded();
    offChanged();
  });

  function follow(services: Services, session: RunSession): void {
    session.events.on('output', (line) => output.runtimeLine(session.runId ?? session.label, line));
    session.events.on('started', () => {
      output.info(`[${session.runId}] run folder ${session.runDir} (pid ${session.process.pid})`);
      if (session.runDir && session.opensPanel) RunPanel.show(services, session.runDir, vscode.ViewColumn.Beside, true);
    });
    session.events.on('ended', async (exit) => {
      if (exit.outcome === 'failed' || exit.outcome === 'crashed') {
        const headline = exit.message.split('\n')[0];
        const reason = exit.lastStderr.length ? ` — ${exit.lastStderr[exit.lastStderr.length - 1]}` : '';
        const buttons = session.runDir ? ['Show Output', 'Open Panel'] : ['Show Output'];
        const choice = await vscode.window.showErrorMessage(`HELENE run "${session.name}" ${exit.outcome}: ${headline}${reason}`, ...buttons);
        if (choice === 'Show Output') output.show();
        if (choice === 'Open Panel' && session.runDir) RunPanel.show(services, session.runDir);
      } else {
        const loss = exit.summary?.finalLoss;
        void vscode.window.showInformationMessage(
          `HELENE run "${session.name}" ${exit.outcome}${exit.summary ? ` after ${exit.summary.steps} steps` : ''}${loss != null ? `, final loss ${loss.toPrecision(4)}` : ''}.`,
        );
      }
    });
  }
}
