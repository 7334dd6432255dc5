/**
 * Supervises one runtime process (dist/cli.js train --ipc): fork, typed IPC both ways, output
 * capture and an exit report that always says what happened. Free of 'vscode' so it is unit-tested
 * against a fake runtime script (test/unit/extension-supervisor.test.ts).
 *
 * Contract with the runtime (runtime/cli.ts, runtime/cli/ipc.ts):
 *  - every IPC message from the child is checked with validateRuntimeMessage; a malformed one is
 *    rejected with a logged reason and never reaches a listener;
 *  - ControlCommands go the other way, checked with validateControlCommand before sending;
 *  - exit code 0 = finished or stopped, non-zero = failed (the last stderr lines explain),
 *    a signal = crashed. The report keeps the last stderr lines: a failure is never swallowed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  validateControlCommand,
  validateRuntimeMessage,
  type ControlCommand,
  type HyperparameterPatch,
  type MetricRecord,
  type RunManifest,
  type RunStatus,
  type RunSummary,
  type Validation,
} from '../runtime/protocol';
import { LineSplitter, LineTail } from './line-splitter';
import { readFinalSummary } from './run-end-from-folder';
import { TypedEvents } from './typed-events';

export const STDERR_TAIL_LINES = 40;
const DISCONNECT_AFTER_DONE_MS = 250;
/** The most an exit report waits for the child's output pipes to drain. */
const DRAIN_AFTER_EXIT_MS = 1000;

export interface RuntimeProcessOptions {
  /** The runtime's entry script, normally <extensionPath>/dist/cli.js. */
  cliPath: string;
  /** The run configuration file (relative paths inside it resolve against its folder). */
  configPath: string;
  /** Where run folders go (absolute); omitted = the config's output.runsDir. */
  runsDir?: string;
  /** Config overrides, each `key.path=<JSON value>` (the CLI's repeated --set). */
  overrides?: string[];
  /** Continue this run folder from its newest checkpoint (`resume <dir>`) instead of starting a new run. */
  resumeDir?: string;
  /** With resumeDir: the resume options (`--from-step <n>`, `--lr=<x>`), checked by the CLI. */
  resumeArgs?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The Node binary; default process.execPath (in the extension host, VS Code's own runtime). */
  execPath?: string;
  execArgv?: string[];
  /** How many stderr lines an exit report keeps. */
  stderrTail?: number;
}

/** One line for the log sink (the "HELENE Studio" output channel in VS Code). */
export interface OutputLine {
  source: 'stdout' | 'stderr' | 'runtime' | 'supervisor';
  level: 'info' | 'warn' | 'error';
  text: string;
}

export type RunOutcome = 'finished' | 'stopped' | 'failed' | 'crashed';

export interface RuntimeExit {
  outcome: RunOutcome;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The 'done' summary, when the runtime got that far. */
  summary: RunSummary | null;
  /** The runtime's 'fatal' message, when it sent one. */
  fatal: string | null;
  lastStderr: string[];
  /** One human sentence, plus the last stderr lines for failures. */
  message: string;
}

export interface RuntimeProcessEvents extends Record<string, unknown> {
  hello: { runId: string; runDir: string; pid: number };
  manifest: RunManifest;
  metrics: MetricRecord[];
  status: RunStatus;
  log: { level: 'info' | 'warn' | 'error'; text: string };
  done: RunSummary;
  fatal: string;
  /** A message from the child that failed validation (it was dropped). */
  rejected: { reason: string; raw: unknown };
  output: OutputLine;
  exit: RuntimeExit;
}

/**
 * The argument vector after the script path: `train --config <file> --ipc [--runs-dir d] [--set k=v]...`,
 * or `resume <run folder> --ipc` (the run's own resolved config; overrides would break bit-exactness).
 */
export function runtimeArgs(options: Pick<RuntimeProcessOptions, 'configPath' | 'runsDir' | 'overrides' | 'resumeDir' | 'resumeArgs'>): string[] {
  if (options.resumeDir) return ['resume', options.resumeDir, ...(options.resumeArgs ?? []), '--ipc'];
  const args = ['train', '--config', options.configPath, '--ipc'];
  if (options.runsDir) args.push('--runs-dir', options.runsDir);
  for (const o of options.overrides ?? []) args.push('--set', o);
  return args;
}

export class RuntimeProcess {
  readonly events = new TypedEvents<RuntimeProcessEvents>((e) => this.supervisorLog('error', `listener failed: ${String(e)}`));
  /** Resolves once, when the process is gone and its output drained. */
  readonly exited: Promise<RuntimeExit>;

  runId: string | null = null;
  runDir: string | null = null;
  private readonly child: ChildProcess;
  private readonly stderrTail: LineTail;
  private summary: RunSummary | null = null;
  private fatal: string | null = null;
  private spawnError: Error | null = null;
  /** Set when this supervisor sent the signal: a run that already said 'done' did not crash. */
  private terminatedBySupervisor = false;
  private exitReport: RuntimeExit | null = null;
  private resolveExit!: (exit: RuntimeExit) => void;

  private constructor(readonly options: RuntimeProcessOptions) {
    this.stderrTail = new LineTail(options.stderrTail ?? STDERR_TAIL_LINES);
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.child = fork(options.cliPath, runtimeArgs(options), {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      cwd: options.cwd,
      env: options.env,
      execPath: options.execPath,
      execArgv: options.execArgv ?? [],
      // Plain JSON over the channel: the contract is JSON-shaped and 'advanced' would let
      // non-JSON values (Map, Date) slip through unvalidated.
      serialization: 'json',
    });
    this.wire();
  }

  /** Fork the runtime. Listeners added synchronously after this call see every event. */
  static start(options: RuntimeProcessOptions): RuntimeProcess {
    return new RuntimeProcess(options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True while the child is alive and its IPC channel open (commands can be delivered). */
  get running(): boolean {
    return this.exitReport === null && this.child.connected;
  }

  get exit(): RuntimeExit | null {
    return this.exitReport;
  }

  /** Send a control command; applied by the runtime at its next step boundary. */
  send(command: ControlCommand): Validation<ControlCommand> {
    const checked = validateControlCommand(command);
    if (!checked.ok) return checked;
    if (!this.running) return { ok: false, reason: 'the runtime process is not running' };
    try {
      this.child.send(checked.value, (error) => {
        if (error) this.supervisorLog('warn', `could not deliver "${checked.value.type}": ${error.message}`);
      });
    } catch (e) {
      return { ok: false, reason: `could not deliver "${checked.value.type}": ${(e as Error).message}` };
    }
    return checked;
  }

  pause(): Validation<ControlCommand> {
    return this.send({ type: 'pause' });
  }

  resume(): Validation<ControlCommand> {
    return this.send({ type: 'resume' });
  }

  setHyperparameters(values: HyperparameterPatch): Validation<ControlCommand> {
    return this.send({ type: 'set-hyperparameters', values });
  }

  /**
   * Ask for a clean stop (the runtime finishes the current step and writes its folder); if it is
   * still alive after `graceMs`, terminate it. Resolves with the exit report.
   */
  async stop(graceMs = 10_000): Promise<RuntimeExit> {
    if (this.exitReport) return this.exitReport;
    const sent = this.send({ type: 'stop' });
    if (!sent.ok) this.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.supervisorLog('warn', `runtime did not stop within ${graceMs} ms; terminating it`);
      this.kill('SIGTERM');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitReport !== null) return;
    this.terminatedBySupervisor = true;
    this.child.kill(signal);
  }

  // ------------------------------------------------------------------ wiring

  private wire(): void {
    const stdout = new LineSplitter((text) => this.events.emit('output', { source: 'stdout', level: 'info', text }));
    const stderr = new LineSplitter((text) => {
      this.stderrTail.push(text);
      this.events.emit('output', { source: 'stderr', level: 'warn', text });
    });
    this.child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.child.on('message', (raw) => this.onMessage(raw));
    this.child.on('error', (error) => {
      // Spawn failures (bad execPath, EMFILE) and failed kills land here; keep it for the report.
      this.spawnError = error;
      this.supervisorLog('error', `runtime process error: ${error.message}`);
      if (this.child.pid === undefined) this.finish(null, null);
    });
    // Report only after stdout/stderr are drained, so the report has the last lines. Not the
    // 'close' event: it never fires once the IPC channel was disconnected from our side, and a
    // grandchild holding the pipes could delay it forever; so 'exit' plus a bounded wait.
    // The IPC channel is drained too: the child's last messages can still be unread in the socket
    // when 'exit' and the pipes' 'close' come, and 'disconnect' is emitted after the last message.
    let openStreams = [this.child.stdout, this.child.stderr].filter((s) => s !== null).length + (this.child.connected ? 1 : 0);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const finishIfDrained = () => {
      if (exited && openStreams === 0) {
        stdout.end();
        stderr.end();
        this.finish(exited.code, exited.signal);
      }
    };
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('close', () => {
        openStreams--;
        finishIfDrained();
      });
    }
    if (this.child.connected) {
      this.child.once('disconnect', () => {
        openStreams--;
        finishIfDrained();
      });
    }
    this.child.on('exit', (code, signal) => {
      exited = { code, signal };
      finishIfDrained();
      setTimeout(() => {
        openStreams = 0;
        finishIfDrained();
      }, DRAIN_AFTER_EXIT_MS).unref();
    });
  }

  private onMessage(raw: unknown): void {
    const checked = validateRuntimeMessage(raw);
    if (!checked.ok) {
      this.supervisorLog('warn', `rejected a message from the runtime: ${checked.reason}`);
      this.events.emit('rejected', { reason: checked.reason, raw });
      return;
    }
    const message = checked.value;
    switch (message.type) {
      case 'hello':
        this.runId = message.runId;
        this.runDir = message.runDir;
        this.events.emit('hello', { runId: message.runId, runDir: message.runDir, pid: message.pid });
        break;
      case 'manifest':
        this.events.emit('manifest', message.manifest);
        break;
      case 'metrics':
        this.events.emit('metrics', message.records);
        break;
      case 'status':
        this.events.emit('status', message.status);
        break;
      case 'log':
        this.events.emit('output', { source: 'runtime', level: message.level, text: message.text });
        this.events.emit('log', { level: message.level, text: message.text });
        break;
      case 'done':
        this.summary = message.summary;
        this.events.emit('done', message.summary);
        this.releaseAfterDone();
        break;
      case 'fatal':
        this.fatal = message.message;
        this.events.emit('output', { source: 'runtime', level: 'error', text: message.message });
        this.events.emit('fatal', message.message);
        break;
    }
  }

  /**
   * After 'done' no command can matter, and an open IPC channel keeps a Node child alive: close our
   * end shortly after (letting trailing log messages through) so the runtime can exit by itself.
   */
  private releaseAfterDone(): void {
    const timer = setTimeout(() => {
      if (this.exitReport === null && this.child.connected) this.child.disconnect();
    }, DISCONNECT_AFTER_DONE_MS);
    timer.unref();
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitReport) return;
    // A clean exit whose 'done' never arrived: the folder's summary.json (written before 'done' was
    // sent) still tells a stop from a finish and gives the step count.
    if (code === 0 && this.summary === null && this.runDir) {
      this.summary = readFinalSummary(this.runDir);
      this.supervisorLog('warn', `the runtime exited cleanly without its last message ('done'); ${this.summary ? `its end was read from ${this.runDir}` : `and ${this.runDir} has no summary.json`}`);
    }
    const report = describeExit({
      code,
      signal,
      summary: this.summary,
      fatal: this.fatal,
      spawnError: this.spawnError,
      lastStderr: this.stderrTail.snapshot(),
      terminatedBySupervisor: this.terminatedBySupervisor,
    });
    this.exitReport = report;
    this.supervisorLog(report.outcome === 'failed' || report.outcome === 'crashed' ? 'error' : 'info', report.message);
    this.events.emit('exit', report);
    this.resolveExit(report);
  }

  private supervisorLog(level: OutputLine['level'], text: string): void {
    this.events.emit('output', { source: 'supervisor', level, text });
  }
}

/** Classify an exit and phrase it; pure, so the wording is unit-tested. */
export function describeExit(facts: {
  code: number | null;
  signal: NodeJS.Signals | null;
  summary: RunSummary | null;
  fatal: string | null;
  spawnError: Error | null;
  lastStderr: string[];
  terminatedBySupervisor?: boolean;
}): RuntimeExit {
  const { code, signal, summary, fatal, spawnError, lastStderr } = facts;
  let outcome: RunOutcome;
  let headline: string;
  if (signal && facts.terminatedBySupervisor && summary) {
    // It had written its end and only lingered; terminating it lost nothing.
    outcome = summary.state === 'stopped' ? 'stopped' : summary.state === 'finished' ? 'finished' : 'failed';
    headline = `The run ${summary.state} (the runtime process lingered after its end and was terminated).`;
  } else if (signal) {
    outcome = 'crashed';
    headline = facts.terminatedBySupervisor
      ? `The runtime process did not stop when asked and was terminated (${signal}).`
      : `The runtime process was killed by ${signal}.`;
  } else if (code === 0 && !spawnError) {
    outcome = summary?.state === 'stopped' ? 'stopped' : 'finished';
    headline = outcome === 'stopped' ? 'The run stopped.' : 'The run finished.';
  } else {
    outcome = 'failed';
    headline = spawnError && code === null
      ? `The runtime process could not start: ${spawnError.message}`
      : `The runtime process exited with code ${code}${fatal ? `: ${fatal}` : '.'}`;
  }
  const failed = outcome === 'failed' || outcome === 'crashed';
  const tail = failed && lastStderr.length > 0 ? `\nLast output:\n${lastStderr.join('\n')}` : '';
  return { outcome, code, signal, summary, fatal, lastStderr, message: headline + tail };
}
