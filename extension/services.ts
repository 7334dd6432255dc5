/** What the commands share: created once in activate(), passed down explicitly (no globals). */
import type * as vscode from 'vscode';
import type { Output } from './output';
import type { PanelMemory } from './panel/panel-memory';
import type { RunRegistry } from './run-registry';

export interface Services {
  extensionUri: vscode.Uri;
  extensionPath: string;
  registry: RunRegistry;
  output: Output;
  memory: PanelMemory;
}
