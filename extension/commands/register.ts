/** The command table: ids as contributed in package.json → handlers. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { COMMAND_IDS } from './command-ids';
import { controlCommand, setHyperparametersCommand } from './control-run';
import { openPanelCommand } from './open-panel';
import { startRunCommand } from './start-run';
import { checkGpuCommand } from './check-gpu';
import { createDemoWorkspaceCommand } from './create-demo';
import type { RunsView } from '../runs-view/runs-view';
import { runsViewCommands } from '../runs-view/run-commands';
import { sweepCommands } from '../sweeps/sweep-commands';
import type { SweepManager } from '../sweeps/sweep-manager';
import type { SweepsView } from '../sweeps/sweeps-view';

export { COMMAND_IDS };

export function registerCommands(services: Services, runsView: RunsView, sweeps?: { manager: SweepManager; view: SweepsView }): vscode.Disposable[] {
  const runs = runsViewCommands(services, runsView);
  const sweep = sweeps ? sweepCommands(services, sweeps.manager, sweeps.view, runsView) : null;
  const table: [string, (...args: unknown[]) => unknown][] = [
    [COMMAND_IDS.startRun, startRunCommand(services)],
    [COMMAND_IDS.openPanel, openPanelCommand(services)],
    [COMMAND_IDS.pause, controlCommand(services, 'pause')],
    [COMMAND_IDS.resume, controlCommand(services, 'resume')],
    [COMMAND_IDS.stop, controlCommand(services, 'stop')],
    [COMMAND_IDS.setHyperparameters, setHyperparametersCommand(services)],
    [COMMAND_IDS.checkGpu, checkGpuCommand(services)],
    [COMMAND_IDS.createDemoWorkspace, createDemoWorkspaceCommand(services)],
    [COMMAND_IDS.runsRefresh, runs.refresh],
    [COMMAND_IDS.runsOpenPanel, runs.open],
    [COMMAND_IDS.runsRename, runs.rename],
    [COMMAND_IDS.runsEditNotes, runs.editNotes],
    [COMMAND_IDS.runsEditTags, runs.editTags],
    [COMMAND_IDS.runsToggleStar, runs.toggleStar],
    [COMMAND_IDS.runsReveal, runs.reveal],
    [COMMAND_IDS.runsDelete, runs.remove],
    [COMMAND_IDS.runsRerun, runs.rerun],
    [COMMAND_IDS.runsResume, runs.resume],
    [COMMAND_IDS.runsRerunWithChanges, runs.rerunWithChanges],
    [COMMAND_IDS.runsCompare, runs.compare],
    ...(sweep
      ? ([
          [COMMAND_IDS.sweepStart, sweep.start],
          [COMMAND_IDS.sweepStop, sweep.stop],
          [COMMAND_IDS.sweepCompare, sweep.compare],
          [COMMAND_IDS.sweepOpenViews, sweep.openViews],
          [COMMAND_IDS.sweepExportCsv, sweep.exportCsv],
          [COMMAND_IDS.sweepsRefresh, sweep.refresh],
          [COMMAND_IDS.sweepOpenRemoteRun, sweep.openRemoteRun],
        ] as [string, (...args: unknown[]) => unknown][])
      : []),
  ];
  return table.map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
