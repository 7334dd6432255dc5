/**
 * Extension entry. Registers commands, the status bar, the output channel and the panel
 * serializer; nothing heavy happens here (no file search, no process) — that waits for a command.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands/register';
import { Output } from './output';
import { PanelMemory } from './panel/panel-memory';
import { RunPanel, registerRunPanelSerializer, type RunPanelStats } from './panel/run-panel';
import { followRuns } from './run-follower';
import { markFirstStep } from './run-started-context';
import { RunRegistry } from './run-registry';
import { ComparePanel } from './compare/compare-panel';
import { ExperimentsPanel } from './experiments/experiments-panel';
import { COMMAND_IDS } from './commands/command-ids';
import { RunsView } from './runs-view/runs-view';
import { SweepManager } from './sweeps/sweep-manager';
import { SweepsView } from './sweeps/sweeps-view';
import type { RunListEntry } from '../runtime/runs/run-list-item';
import type { Services } from './services';
import { RunStatusBar } from './status-bar';

/** How long a closing window waits for runs to stop cleanly before terminating them. */
const STOP_GRACE_MS = 3000;

/** Returned from activate(): used by the @vscode/test-electron suite (test/vscode/). */
export interface HeleneStudioApi {
  registry: RunRegistry;
  statusBarText(): string;
  panelStats(runDir: string): RunPanelStats | undefined;
  /** What the Runs view lists (every runs folder of the workspace). */
  runs(): RunListEntry[];
}

let registry: RunRegistry | undefined;
let sweepManager: SweepManager | undefined;

export function activate(context: vscode.ExtensionContext): HeleneStudioApi {
  const output = new Output();
  registry = new RunRegistry();
  const services: Services = {
    extensionUri: context.extensionUri,
    extensionPath: context.extensionPath,
    registry,
    output,
    memory: new PanelMemory(context.workspaceState),
  };
  const statusBar = new RunStatusBar(registry);
  const runsView = new RunsView(output);
  sweepManager = new SweepManager();
  const sweepsView = new SweepsView(output, sweepManager, runsView);
  context.subscriptions.push(
    output,
    statusBar,
    followRuns(services),
    markFirstStep(registry),
    registerRunPanelSerializer(services),
    runsView,
    sweepsView,
    ...registerCommands(services, runsView, { manager: sweepManager, view: sweepsView }),
    { dispose: () => RunPanel.disposeAll() },
    { dispose: () => ComparePanel.disposeAll() },
    vscode.commands.registerCommand(COMMAND_IDS.openExperiments, () =>
      ExperimentsPanel.show({ extensionUri: context.extensionUri, output, workspaceState: context.workspaceState, storageDir: context.storageUri?.fsPath, runsView }),
    ),
    { dispose: () => ExperimentsPanel.disposeAll() },
  );
  return {
    registry,
    statusBarText: () => statusBar.text,
    panelStats: (runDir) => RunPanel.find(runDir)?.stats,
    runs: () => runsView.entries().map((e) => e.entry),
  };
}

/** Stop live runs cleanly (the runtime also stops by itself when its IPC channel closes). */
export async function deactivate(): Promise<void> {
  // Cancel queued sweep runs first so stopping the live ones does not start the next.
  sweepManager?.stopAll();
  await registry?.stopAll(STOP_GRACE_MS);
}
