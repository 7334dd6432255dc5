/**
 * Load a recorded run's panel snapshot in a child process (`helene-studio history <dir>`): the
 * runtime streams metrics.jsonl and sends back a decimated history (a few thousand records, a few
 * MB of JSON), so opening the panel of a run of any length never blocks the extension host's
 * thread (a live run's status bar keeps updating meanwhile). The panel takes the text unparsed.
 */
import { fork } from 'node:child_process';
import type { RunHistoryInfo, RunViewSnapshot } from '../../runtime/protocol';

export interface HistoryProcessOptions {
  cliPath: string;
  runDir: string;
  /** Only the records a resume from the checkpoint at this step keeps (the past of a live resumed run). */
  resumeFromStep?: number;
  /** The Node binary; default process.execPath (in the extension host, VS Code's own runtime). */
  execPath?: string;
  /** Filled when given: what the load cost the calling (extension host) thread, and in all. */
  timing?: HistoryTiming;
}

/**
 * The calling thread's share is the point of the child process: fork(), collecting the output and
 * one JSON.parse of the small snapshot. wallMs includes the child reading metrics.jsonl meanwhile.
 */
export interface HistoryTiming {
  hostMs: number;
  wallMs: number;
  snapshotBytes: number;
}

/** What the runtime says about the history besides its text (sent over IPC before the text). */
export interface HistoryFacts {
  history: RunHistoryInfo | null;
  records: number;
}

/** Resolves with the snapshot, or rejects with the runtime's one-line reason. */
export async function loadRunHistory(o: HistoryProcessOptions): Promise<RunViewSnapshot> {
  const { json } = await loadRunHistoryText(o);
  try {
    return JSON.parse(json) as RunViewSnapshot;
  } catch (e) {
    throw new Error(`the runtime sent an unreadable snapshot: ${(e as Error).message}`);
  }
}

/**
 * The snapshot as the runtime's JSON text, unparsed, with its facts: the run panel passes the text
 * on to the webview (which parses it), so the extension host's thread never parses or re-serializes
 * a long run's history. Rejects with the runtime's one-line reason.
 */
export function loadRunHistoryText(o: HistoryProcessOptions): Promise<{ json: string; facts: HistoryFacts | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let hostMs = 0;
    const onThread = <T>(fn: () => T): T => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        hostMs += performance.now() - t0;
      }
    };
    const child = onThread(() =>
      fork(o.cliPath, ['history', o.runDir, ...(o.resumeFromStep === undefined ? [] : ['--from-step', String(o.resumeFromStep)])], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execPath: o.execPath,
        execArgv: [],
        serialization: 'json',
      }),
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let facts: HistoryFacts | null = null;
    child.stdout?.on('data', (b: Buffer) => onThread(() => out.push(b)));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('message', (m: unknown) => {
      const msg = m as { type?: unknown; history?: unknown; records?: unknown };
      if (msg?.type === 'history' && typeof msg.records === 'number') facts = { history: (msg.history ?? null) as RunHistoryInfo | null, records: msg.records };
    });
    child.on('error', (e) => reject(new Error(`could not start the runtime to read the run: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        // The runtime's one `error:` line (never a stack trace into a notification).
        const lines = Buffer.concat(err).toString('utf8').trim().split('\n');
        const reason = lines.find((l) => l.startsWith('error: '))?.slice('error: '.length) ?? lines[0];
        reject(new Error(reason || `the runtime exited with code ${code} while reading the run`));
        return;
      }
      const json = onThread(() => Buffer.concat(out).toString('utf8'));
      if (o.timing) Object.assign(o.timing, { hostMs, wallMs: performance.now() - started, snapshotBytes: json.length });
      resolve({ json, facts });
    });
  });
}
