/**
 * The "HELENE Studio" output channel: the runtime's stdout/stderr and log messages, supervisor
 * notes and rejected messages, each line tagged with the run it belongs to.
 */
import * as vscode from 'vscode';
import type { OutputLine } from './runtime-process';

export class Output implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('HELENE Studio', { log: true });
  }

  info(text: string): void {
    this.channel.info(text);
  }

  warn(text: string): void {
    this.channel.warn(text);
  }

  error(text: string): void {
    this.channel.error(text);
  }

  /** A line from (or about) a runtime process, prefixed with the run's name. */
  runtimeLine(runLabel: string, line: OutputLine): void {
    const text = `[${runLabel}]${line.source === 'stdout' || line.source === 'stderr' ? ` ${line.source}:` : ''} ${line.text}`;
    this[line.level](text);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
