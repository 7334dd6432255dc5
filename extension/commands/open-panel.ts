/** Open run panel: a run folder given as argument, a live run, or a past run from the runs folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunPanel } from '../panel/run-panel';
import type { Services } from '../services';
import { readRunSettings } from '../settings';

const RECENT_RUNS = 30;

/** Run folders (those with a run.json) under each workspace folder's runs folder, newest first. */
function pastRunDirs(): string[] {
  const dirs: string[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const runsDir = path.resolve(folder.uri.fsPath, readRunSettings(folder.uri).defaultRunsFolder);
    let names: string[] = [];
    try {
      names = fs.readdirSync(runsDir);
    } catch {
      continue;
    }
    for (const name of names) if (fs.existsSync(path.join(runsDir, name, 'run.json'))) dirs.push(path.join(runsDir, name));
  }
  // Run ids start with a UTC timestamp, so name order is time order.
  return dirs.sort((a, b) => path.basename(b).localeCompare(path.basename(a))).slice(0, RECENT_RUNS);
}

export function openPanelCommand(services: Services) {
  return async (arg?: unknown): Promise<RunPanel | undefined> => {
    let runDir = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!runDir) {
      const live = services.registry.live().filter((s) => s.runDir);
      const items: (vscode.QuickPickItem & { dir?: string; browse?: boolean })[] = [
        ...live.map((s) => ({ label: `$(pulse) ${s.name}`, description: 'running', detail: s.runDir!, dir: s.runDir! })),
        ...pastRunDirs()
          .filter((d) => !live.some((s) => s.runDir === d))
          .map((d) => ({ label: `$(history) ${path.basename(d)}`, detail: d, dir: d })),
        { label: '$(folder-opened) Browse for a run folder…', browse: true },
      ];
      if (items.length === 2 && items[0].dir) runDir = items[0].dir; // exactly one run: no question
      else {
        const picked = await vscode.window.showQuickPick(items, { title: 'HELENE: Open run panel', placeHolder: 'Pick a run' });
        if (!picked) return undefined;
        if (picked.browse) {
          const [folder] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Open run' })) ?? [];
          if (!folder) return undefined;
          runDir = folder.fsPath;
        } else runDir = picked.dir;
      }
    }
    if (!runDir || (!services.registry.byRunDir(runDir) && !fs.existsSync(path.join(runDir, 'run.json')))) {
      void vscode.window.showErrorMessage(`${runDir ?? 'That folder'} is not a HELENE run folder (no run.json).`);
      return undefined;
    }
    return RunPanel.show(services, runDir);
  };
}
