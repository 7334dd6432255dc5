/** The Start run quick pick: workspace run configs plus "New run from a short form…". */
import * as vscode from 'vscode';
import { excludeGlob, inspectRunConfig, MAX_CONFIG_BYTES, MAX_CONFIG_FILES, NAMED_CONFIG_SUFFIX, RUN_CONFIG_GLOB } from '../config-discovery';
import { readRunSettings } from '../settings';

export type ConfigChoice = { kind: 'file'; uri: vscode.Uri } | { kind: 'short-form' };

interface Item extends vscode.QuickPickItem {
  choice?: ConfigChoice;
}

async function findRunConfigs(): Promise<Item[]> {
  const runsFolder = readRunSettings().defaultRunsFolder;
  const uris = await vscode.workspace.findFiles(RUN_CONFIG_GLOB, excludeGlob(runsFolder), MAX_CONFIG_FILES);
  const items = await Promise.all(
    uris.map(async (uri): Promise<Item | null> => {
      try {
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size > MAX_CONFIG_BYTES) return null;
        const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
        const summary = inspectRunConfig(uri.path, text);
        if (!summary) return null;
        const facts = [summary.optimizer, summary.steps !== undefined ? `${summary.steps} steps` : undefined].filter(Boolean).join(' · ');
        return {
          label: `$(file-code) ${vscode.workspace.asRelativePath(uri)}`,
          description: [summary.name, facts].filter(Boolean).join(' — '),
          choice: { kind: 'file', uri },
        };
      } catch {
        return null;
      }
    }),
  );
  const found = items.filter((i): i is Item => i !== null);
  // Named configs first, then alphabetical: the likely choice is near the top.
  const named = (i: Item) => (i.choice?.kind === 'file' && i.choice.uri.path.endsWith(NAMED_CONFIG_SUFFIX) ? 0 : 1);
  return found.sort((a, b) => named(a) - named(b) || a.label.localeCompare(b.label));
}

export async function pickRunConfig(): Promise<ConfigChoice | undefined> {
  const shortForm: Item = { label: '$(add) New run from a short form…', detail: 'Model, training data, optimizer, learning rate and steps; saved to .helene/configs/', choice: { kind: 'short-form' } };
  const picked = await vscode.window.showQuickPick<Item>(
    findRunConfigs().then((configs) => [
      shortForm,
      ...(configs.length ? [{ label: 'Run configs in this workspace', kind: vscode.QuickPickItemKind.Separator }, ...configs] : []),
    ]),
    { title: 'HELENE: Start run', placeHolder: 'Pick a run config (*.helene.json or JSON with "model" and "optimizer")', matchOnDescription: true },
  );
  return picked?.choice;
}
