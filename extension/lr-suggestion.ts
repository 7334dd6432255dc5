/**
 * The start form's "Find a learning rate" step, vscode-free: the command line of the runtime's
 * finder (`dist/cli.js lr-find --config <file> --budget <passes> --json`, run in its own process, never
 * in the extension host), the checked reading of its JSON result (runtime/run/lr-finder.ts
 * LrFindResult) and the words shown to the user, and the child process itself (started like the
 * runtime in runtime-process.ts; cancel() kills it). The VS Code side (progress, cancel button,
 * output channel, pre-filling the lr box) is commands/short-form-wizard.ts.
 */
import { fork } from 'node:child_process';
import type { LrFindResult, LrProbe } from '../runtime/run/lr-finder';
import { probeLabel } from '../runtime/run/lr-probe-label';
import { LineSplitter, LineTail } from './line-splitter';

/** Forward passes the start form spends on the search (the CLI's default budget). */
export const LR_FIND_BUDGET = 600;

export class LrFindOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LrFindOutputError';
  }
}

/** The argument vector after the script path. */
export function lrFindArgs(configPath: string, budget = LR_FIND_BUDGET): string[] {
  return ['lr-find', '--config', configPath, '--budget', String(budget), '--json'];
}

/** The label of the choice at the form's lr step. */
export function lrFindChoiceLabel(budget = LR_FIND_BUDGET): string {
  return `Find a learning rate (≈${budget} forward passes)`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const lossOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && !Number.isNaN(v));
const positiveOrNull = (v: unknown): v is number | null => v === null || positive(v);

function probeOf(v: unknown, i: number): LrProbe {
  const where = `probes[${i}]`;
  if (!isObject(v)) throw new LrFindOutputError(`${where} is not an object`);
  if (!positive(v.lr)) throw new LrFindOutputError(`${where}.lr must be a positive number, got ${JSON.stringify(v.lr)}`);
  if (typeof v.diverged !== 'boolean') throw new LrFindOutputError(`${where}.diverged must be true or false`);
  if (typeof v.reason !== 'string') throw new LrFindOutputError(`${where}.reason must be a string`);
  if (!lossOrNull(v.firstLoss) || !lossOrNull(v.lateLoss)) throw new LrFindOutputError(`${where}: firstLoss and lateLoss must be numbers or null`);
  if (!count(v.steps) || !count(v.passes)) throw new LrFindOutputError(`${where}: steps and passes must be whole numbers`);
  return { lr: v.lr, diverged: v.diverged, reason: v.reason, firstLoss: v.firstLoss, lateLoss: v.lateLoss, steps: v.steps, passes: v.passes };
}

/**
 * The finder's stdout (`--json`) as a checked LrFindResult. Throws LrFindOutputError naming the
 * first thing wrong: not JSON, a missing or mistyped field, a suggestion that is not a positive
 * number. (Progress lines go to stderr, so stdout holds the JSON document only.)
 */
export function parseLrFindOutput(stdout: string): LrFindResult {
  const text = stdout.trim();
  if (!text) throw new LrFindOutputError('the learning-rate finder printed no result');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new LrFindOutputError(`the learning-rate finder's output is not JSON (${(e as Error).message}): ${text.slice(0, 120)}`);
  }
  if (!isObject(v)) throw new LrFindOutputError('the learning-rate finder\'s output is not a JSON object');
  if (typeof v.optimizer !== 'string' || !v.optimizer) throw new LrFindOutputError('optimizer must be a non-empty string');
  if (!Array.isArray(v.probes)) throw new LrFindOutputError('probes must be a list');
  const probes = v.probes.map(probeOf);
  for (const key of ['largestStable', 'smallestUnstable', 'suggested'] as const) {
    if (!positiveOrNull(v[key])) throw new LrFindOutputError(`${key} must be a positive number or null, got ${JSON.stringify(v[key])}`);
  }
  if (!count(v.passes) || !count(v.stepsPerProbe)) throw new LrFindOutputError('passes and stepsPerProbe must be whole numbers');
  if (typeof v.message !== 'string') throw new LrFindOutputError('message must be a string');
  if (v.suggested !== null && v.largestStable === null) throw new LrFindOutputError('a suggestion without a stable lr');
  return {
    optimizer: v.optimizer,
    probes,
    largestStable: v.largestStable as number | null,
    smallestUnstable: v.smallestUnstable as number | null,
    suggested: v.suggested as number | null,
    passes: v.passes,
    stepsPerProbe: v.stepsPerProbe,
    message: v.message,
  };
}

/** A suggestion as the lr box shows it: 3 significant digits (0.0427), never an exponent-laden float. */
export function formatSuggestedLr(lr: number): string {
  return String(Number(lr.toPrecision(3)));
}

/** One output-channel line per probe. */
export function probeLine(p: LrProbe): string {
  return `lr ${formatSuggestedLr(p.lr).padEnd(9)} ${probeLabel(p).padEnd(8)}  ${p.reason} (${p.steps} steps, ${p.passes} passes)`;
}

export type LrFindOutcome =
  | { kind: 'suggested'; lr: number; value: string; message: string }
  | { kind: 'none'; message: string }
  | { kind: 'failed'; message: string };

/**
 * What the form does with a finished finder process: its stdout, exit code and the last stderr
 * lines. A result without a suggestion (exit code 1 with JSON) says why; no JSON at all is a failure
 * with the runtime's own error line.
 */
export function lrFindOutcome(stdout: string, exitCode: number | null, stderrTail: readonly string[]): LrFindOutcome {
  if (!stdout.trim()) {
    const err = [...stderrTail].reverse().find((l) => /^error:/.test(l.trim())) ?? stderrTail.at(-1);
    return { kind: 'failed', message: `The learning-rate finder failed${exitCode !== null ? ` (exit code ${exitCode})` : ''}${err ? `: ${err.trim().replace(/^error:\s*/, '')}` : ''}.` };
  }
  let result: LrFindResult;
  try {
    result = parseLrFindOutput(stdout);
  } catch (e) {
    return { kind: 'failed', message: `The learning-rate finder's result could not be read: ${(e as Error).message}.` };
  }
  if (result.suggested === null) return { kind: 'none', message: `No learning rate suggested. ${result.message}` };
  const value = formatSuggestedLr(result.suggested);
  return { kind: 'suggested', lr: Number(value), value, message: `Suggested lr ${value}. ${result.message}` };
}

export interface LrFindProcessOptions {
  /** The runtime's entry script, normally <extensionPath>/dist/cli.js. */
  cliPath: string;
  /** A run configuration file (relative paths inside it resolve against its folder). */
  configPath: string;
  budget?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The Node binary; default process.execPath (in the extension host, VS Code's own runtime). */
  execPath?: string;
  /** Each stderr line as it comes: the finder's header and one line per probe. */
  onProgress?(line: string): void;
}

export interface LrFindProcess {
  /** Settles when the child is gone: the outcome, or 'cancelled' after cancel(). */
  readonly done: Promise<LrFindOutcome | { kind: 'cancelled'; message: string }>;
  /** Kill the child (SIGTERM); done resolves with 'cancelled'. */
  cancel(): void;
  readonly pid: number | undefined;
}

/** Run the finder in its own process; never throws (a spawn failure is a 'failed' outcome). */
export function startLrFind(o: LrFindProcessOptions): LrFindProcess {
  const child = fork(o.cliPath, lrFindArgs(o.configPath, o.budget), {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    cwd: o.cwd,
    env: o.env,
    execPath: o.execPath,
    execArgv: [],
    serialization: 'json',
  });
  let cancelled = false;
  let stdout = '';
  const tail = new LineTail(20);
  const stderr = new LineSplitter((line) => {
    tail.push(line);
    o.onProgress?.(line);
  });
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // The finder does not use the channel; do not let it keep either side waiting.
  child.on('message', () => undefined);
  const done = new Promise<LrFindOutcome | { kind: 'cancelled'; message: string }>((resolve) => {
    let spawnError: Error | null = null;
    child.on('error', (e) => {
      spawnError = e;
      // Never started: there may be no 'close' to wait for.
      if (child.pid === undefined) resolve({ kind: 'failed', message: `The learning-rate finder could not start: ${e.message}.` });
    });
    child.on('close', (code) => {
      stderr.end();
      if (cancelled) resolve({ kind: 'cancelled', message: 'Learning-rate search cancelled.' });
      else if (spawnError) resolve({ kind: 'failed', message: `The learning-rate finder could not start: ${(spawnError as Error).message}.` });
      else resolve(lrFindOutcome(stdout, code, tail.snapshot()));
    });
  });
  return {
    done,
    pid: child.pid,
    cancel() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cancelled = true;
      child.kill('SIGTERM');
    },
  };
}
