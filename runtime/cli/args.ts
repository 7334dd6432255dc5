/** Command-line parsing for helene-studio (node:util parseArgs: no dependency needed for flags). */
import { parseArgs } from 'node:util';
import { formatParseError, isParseError } from './errors';

/** A command line that does not parse: the user's typing, printed as one line. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** --debug anywhere on the line: errors print their stack trace (read before parsing, so it works on parse errors too). */
export function wantsDebug(argv: string[]): boolean {
  return argv.includes('--debug');
}

export const HELP = `helene-studio — zeroth-order fine-tuning (HELENE, MeZO, HiZOO, ZO-Adam, FZOO) over ONNX Runtime

Usage:
  helene-studio train --config <run.json> [options]   train one run headless (progress bar)
  helene-studio resume <run folder> [--from-step <n>] [--lr <x>] [--set optimizer.<key>=<v>] [--ipc] [--profile]
                                                       continue a stopped, failed or killed run from its newest good checkpoint
  helene-studio train --config <run.json> --data-parallel <K> [--redis <url>] [--local-ranks <L>]
                                                       one run over K workers that exchange only per-example losses (docs/data-parallel.md)
  helene-studio train --join <redis url>/<run id> --rank <r>
                                                       join a data-parallel run as worker r (any machine with the same model and data paths)
  helene-studio demo [--dir <folder>] [--steps <n>]   build the demo task, run MeZO and HELENE, compare
  helene-studio lr-find --config <run.json> [--budget <passes>] [--json]
                                                       probe the run's first steps on an lr grid (~600 passes), suggest one point below the best
  helene-studio export <run folder> [--out <file>]    write the fine-tuned model as a standalone ONNX file (LoRA merged, loss removed)
  helene-studio history <run folder> [--from-step <n>]
                                                       print the run as JSON with a decimated metrics history (what the run panel opens);
                                                       --from-step: only the records a resume from step n keeps
  helene-studio demo-text [--dir <folder>] [--steps <n>]  fine-tune the pre-trained tiny text encoder (MeZO vs HELENE), accuracy before/after
  helene-studio sweep --config <run.json> --grid "<key=v1,v2; key=v1,v2>" [--parallel <n>] [--sort <metric>] [--sweep-id <id>] [options]
                                                       run the grid (cartesian product, every run validated first) as child runs,
                                                       n at a time; prints the table sorted by bestEvalLoss | finalEvalLoss |
                                                       accuracy | finalTrainLoss; writes <runs>/.sweeps/<id>.json and <id>.csv
  helene-studio sweep --queue redis://host:port --config <run.json> --grid "<…>" [options]
                                                       put one job per run on a Redis queue instead (workers run them); follows the
                                                       jobs and prints the same table (docs/scale-out.md)
  helene-studio worker --queue redis://host:port --runs-dir <shared folder> [--concurrency <n>] [--worker-id <id>]
                                                       run queued jobs, n at a time, each as a child train process; a dead worker's
                                                       runs are resumed by another worker from their newest checkpoint
  helene-studio follow --queue redis://host:port <run id>
                                                       print a queued run's progress from its Redis stream (no run folder needed)
  helene-studio scaffold <folder>                      write a demo workspace (model, data, MeZO and HELENE configs) into an empty folder
  helene-studio inspect <model.onnx> [--json]          what the model is (classifier, causal LM) and what can be trained in it
                                                       (trainable presets, LoRA on attention / MLP projections), with sizes
  helene-studio compare <run folder>... [--baseline <run id>] [--target final|tail-N|<loss>] [--csv <file>]
                                                       the compare page as a table: optimizer, lr, steps, training passes, final/best
                                                       eval loss, passes to the baseline's target, speedups; then the config diff
  helene-studio doctor [--json]                        what the runtime finds: providers, GPU, why CUDA is (not) usable
  helene-studio help                                   this text

train options:
  --config <file>        run configuration (JSON; see docs/configuration.md)
  --set <key=value>      override any config key, repeatable, e.g. --set optimizer.lr=0.001
  --optimizer <name>     shortcut for --set optimizer.name=<name>
  --lr <x>               shortcut for --set optimizer.lr=<x>
  --steps <n>            shortcut for --set steps=<n>
  --provider <p>         auto | cuda | webgpu | cpu (shortcut for --set engine.provider=<p>)
  --threads <n>          onnxruntime intra-op threads
  --runs-dir <folder>    where run folders go (default: runs/ beside the config)
  --run-id <id>          fixed run folder name
  --ipc                  talk to the VS Code extension over the IPC channel (no progress bar)
  --quiet                no progress output
  --profile              time every part of each step (forward passes, z, update, data, I/O, …); prints the table
                         at the end and writes profile.json to the run folder (results are unchanged)
  --debug                print the stack trace of an error

data-parallel options (train and resume; docs/data-parallel.md):
  --data-parallel <K>    K workers, each evaluating its share of every batch; bit for bit the 1-process run
  --redis <url>          Redis to meet on (default: a private local redis-server for this run)
  --local-ranks <L>      run ranks 0..L-1 here (default K); the others join with --join
  --join <url>/<run id>  join the run as a follower (the URL train --data-parallel prints)
  --rank <r>             this follower's rank, 1..K-1
  --peer-timeout <s>     a worker without a heartbeat this long counts as dead; the run stops (default 30)
  --join-timeout <s>     how long to wait for every worker to join (default 600)
  --hash-every <n>       compare the workers' weights hash every n steps (default 100; also at the first and last)

resume options:
  --from-step <n>        resume from the kept checkpoint of step n (default: the newest good one); later records are dropped
  --lr <x>               change optimizer.lr from the first resumed step (recorded as an event)
  --set optimizer.<k>=<v>  change a hyperparameter the panel can change mid-run: lr, eps, kappa, lambda, k, T,
                         gamma, beta1, beta2, weightDecay, rho (anything else is refused)

sweep options (plus every train option above, applied to each run):
  --grid <spec>          axes separated by ";", values by ",", e.g. "optimizer.lr=1e-3,3e-3; optimizer.name=mezo,helene; seed=1,2"
                         (or JSON: {"optimizer.lr":[0.001,0.003]}); values are JSON where they parse, else strings; at most 200 runs
  --parallel <n>         runs at once (default 1)
  --sort <metric>        table order (default bestEvalLoss; accuracy sorts highest first)
  --sweep-id <id>        sweep name; runs are <id>-01, <id>-02, … (default sweep-<date>-<time>)
  --queue <url>          redis://[:password@]host[:port][/db]: queue the runs for workers (--parallel does not apply)

worker options:
  --queue <url>          the Redis queue to take runs from
  --runs-dir <folder>    where run folders go: a folder every worker shares (NFS or similar across machines)
  --concurrency <n>      runs at once on this worker (default 1)
  --worker-id <id>       the name in heartbeats and the Sweeps view (default <hostname>-<pid>)

Ctrl-C stops at the next step boundary and leaves a valid run folder (status "stopped").
`;

export interface CliArgs {
  command: string;
  config?: string;
  overrides: string[];
  /** Per override, what was typed (`--steps ten`, `--set steps=10`): error messages name it. */
  overrideOrigins: string[];
  ipc: boolean;
  quiet: boolean;
  /** train/resume: profile the steps (profile.json, table at the end). */
  profile: boolean;
  dir?: string;
  /** export: output file. */
  out?: string;
  steps?: number;
  help: boolean;
  json: boolean;
  /** lr-find: forward-pass budget of the whole search. */
  budget?: number;
  /** sweep: the grid spec, runs at once, table order, sweep id. */
  grid?: string;
  parallel?: number;
  sort?: string;
  sweepId?: string;
  /** sweep/worker/follow: the Redis queue URL; worker: its runs dir, jobs at once, name. */
  queue?: string;
  runsDir?: string;
  concurrency?: string;
  workerId?: string;
  /** resume: the kept checkpoint to resume from, as typed. */
  fromStep?: string;
  /** Data-parallel runs (docs/data-parallel.md), as typed: checked where they are used. */
  dataParallel?: string;
  redis?: string;
  localRanks?: string;
  join?: string;
  rank?: string;
  peerTimeout?: string;
  joinTimeout?: string;
  hashEvery?: string;
  /** compare: baseline run id, target rule, summary CSV file. */
  baseline?: string;
  target?: string;
  csv?: string;
  positionals: string[];
}

export const CLI_OPTIONS = {
      config: { type: 'string', short: 'c' },
      set: { type: 'string', multiple: true },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      steps: { type: 'string' },
      provider: { type: 'string' },
      threads: { type: 'string' },
      'runs-dir': { type: 'string' },
      'run-id': { type: 'string' },
      dir: { type: 'string' },
      out: { type: 'string', short: 'o' },
      ipc: { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      json: { type: 'boolean', default: false },
      budget: { type: 'string' },
      grid: { type: 'string' },
      parallel: { type: 'string' },
      sort: { type: 'string' },
      'sweep-id': { type: 'string' },
      'from-step': { type: 'string' },
      'data-parallel': { type: 'string' },
      redis: { type: 'string' },
      'local-ranks': { type: 'string' },
      join: { type: 'string' },
      rank: { type: 'string' },
      'peer-timeout': { type: 'string' },
      'join-timeout': { type: 'string' },
      'hash-every': { type: 'string' },
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      'worker-id': { type: 'string' },
      baseline: { type: 'string' },
      target: { type: 'string' },
      csv: { type: 'string' },
      debug: { type: 'boolean', default: false },
} as const;

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: CLI_OPTIONS });
  } catch (e) {
    if (isParseError(e)) throw new CliUsageError(formatParseError(e as Error, Object.keys(CLI_OPTIONS)));
    throw e;
  }
  const { values, positionals } = parsed;
  const overrides = [...(values.set ?? [])];
  // What the user typed for each override, so a bad value is blamed on the command line, not the file.
  const overrideOrigins = overrides.map((o) => `--set ${o}`);
  const shortcut = (flag: string | undefined, key: string, json = true, name = key) => {
    if (flag === undefined) return;
    overrides.push(`${key}=${json ? flag : JSON.stringify(flag)}`);
    overrideOrigins.push(`--${name} ${flag}`);
  };
  shortcut(values.optimizer, 'optimizer.name', false, 'optimizer');
  shortcut(values.lr, 'optimizer.lr', true, 'lr');
  shortcut(values.steps, 'steps');
  shortcut(values.provider, 'engine.provider', false, 'provider');
  shortcut(values.threads, 'engine.threads', true, 'threads');
  shortcut(values['run-id'], 'output.runId', false, 'run-id');
  if (values['runs-dir'] !== undefined) {
    overrides.push(`output.runsDir=${JSON.stringify(require('node:path').resolve(values['runs-dir']))}`);
    overrideOrigins.push(`--runs-dir ${values['runs-dir']}`);
  }
  const steps = values.steps !== undefined ? Number(values.steps) : undefined;
  return {
    command: positionals[0] ?? 'help',
    config: values.config,
    overrides,
    overrideOrigins,
    ipc: values.ipc ?? false,
    quiet: values.quiet ?? false,
    profile: values.profile ?? false,
    dir: values.dir,
    out: values.out,
    steps,
    help: values.help ?? false,
    json: values.json ?? false,
    budget: values.budget !== undefined ? Number(values.budget) : undefined,
    grid: values.grid,
    parallel: values.parallel !== undefined ? Number(values.parallel) : undefined,
    sort: values.sort,
    sweepId: values['sweep-id'],
    fromStep: values['from-step'],
    dataParallel: values['data-parallel'],
    redis: values.redis,
    localRanks: values['local-ranks'],
    join: values.join,
    rank: values.rank,
    peerTimeout: values['peer-timeout'],
    joinTimeout: values['join-timeout'],
    hashEvery: values['hash-every'],
    baseline: values.baseline,
    target: values.target,
    csv: values.csv,
    queue: values.queue,
    runsDir: values['runs-dir'],
    concurrency: values.concurrency,
    workerId: values['worker-id'],
    positionals,
  };
}
