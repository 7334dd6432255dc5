/**
 * Load a recorded run's panel snapshot in a child process (`helene-studio history <dir>`): the
 * runtime streams metrics.jsonl and sends back a decimated history (a few thousand records), so
 * opening the panel of a run of any length costs the extension host one small JSON.parse and
 * never blocks its thread (a live run's status bar keeps updating meanwhile).
 */
import { fork } from 'node:child_process';
import type { RunViewSnapshot } from '../../runtime/protocol';

export interface HistoryProcessOptions {
  cliPath: string;
  runDir: string;
  /** Only the records a resume from the checkpoint at this step keeps (the past of a live resumed run). */
  resumeFromStep?: number;
  /** The Node binary; default process.execPath (in the extension host, VS Code's own runtime). */
  execPath?: string;
}

/** Resolves with the snapshot, or rejects with the runtime's one-line reason. */
export function loadRunHistory(o: HistoryProcessOptions): Promise<RunViewSnapshot> {
  return new Promise((resolve, reject) => {
    const child = fork(o.cliPath, ['history', o.runDir, ...(o.resumeFromStep === undefined ? [] : ['--from-step', String(o.resumeFromStep)])], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execPath: o.execPath,
      execArgv: [],
      serialization: 'json',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('message', () => undefined);
    child.on('error', (e) => reject(new Error(`could not start the runtime to read the run: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        // The runtime's one `error:` line (never a stack trace into a notification).
        const lines = Buffer.concat(err).toString('utf8').trim().split('\n');
        const reason = lines.find((l) => l.startsWith('error: '))?.slice('error: '.length) ?? lines[0];
        reject(new Error(reason || `the runtime exited with code ${code} while reading the run`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as RunViewSnapshot);
      } catch (e) {
        reject(new Error(`the runtime sent an unreadable snapshot: ${(e as Error).message}`));
      }
    });
  });
}
