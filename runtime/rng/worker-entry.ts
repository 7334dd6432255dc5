/**
 * How KernelPool (and the concurrent-pass worker, engine/pass-worker.ts) start their worker threads
 * in each way this code runs:
 *  1. an explicit `workerPath` option (a .js file, or a .ts file when running under tsx);
 *  2. the esbuild bundle: dist/<name>.js next to the bundle that contains the caller
 *     (`__dirname` is then dist/);
 *  3. the TypeScript sources under tsx (tests, `tsx` scripts): <source dir>/<name>.ts.
 *
 * Why case 3 is not simply `new Worker('kernel-worker.ts', { execArgv: ['--import', 'tsx'] })`:
 * on Node 20 the ESM hooks that `--import tsx` registers are not in place when a worker's entry
 * file is loaded, and it fails with "Unknown file extension .ts". Instead the worker evaluates a
 * two-line CommonJS bootstrap that installs tsx's synchronous require hook (`tsx/cjs`) and then
 * requires the .ts entry. This package is CommonJS, so that is the loader it uses anyway.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** What to pass to `new Worker(...)`. */
export interface WorkerEntry {
  readonly source: string;
  readonly eval: boolean;
  /** For messages: which file ends up running. */
  readonly file: string;
}

const KERNEL_WORKER = 'kernel-worker';

function tsxBootstrap(tsFile: string, basename: string): WorkerEntry {
  let tsxCjs: string;
  try {
    tsxCjs = require.resolve('tsx/cjs');
  } catch {
    throw new Error(
      `found ${tsFile} but no built ${basename}.js, and tsx is not installed to run the .ts source`,
    );
  }
  const source = `require(${JSON.stringify(tsxCjs)});\nrequire(${JSON.stringify(tsFile)});\n`;
  return { source, eval: true, file: tsFile };
}

/**
 * The worker `basename` (kernel-worker, pass-worker): `dir` is the caller's __dirname, which is dist/
 * in the bundle and the .ts source's folder under tsx.
 */
export function resolveWorkerEntry(workerPath?: string, basename = KERNEL_WORKER, dir = __dirname): WorkerEntry {
  if (workerPath !== undefined) {
    const file = path.resolve(workerPath);
    if (!existsSync(file)) throw new Error(`${basename}: workerPath does not exist: ${file}`);
    return file.endsWith('.ts') ? tsxBootstrap(file, basename) : { source: file, eval: false, file };
  }
  const bundled = path.join(dir, `${basename}.js`);
  if (existsSync(bundled)) return { source: bundled, eval: false, file: bundled };
  const tsSource = path.join(dir, `${basename}.ts`);
  if (existsSync(tsSource)) return tsxBootstrap(tsSource, basename);
  throw new Error(`${basename}: no worker script: looked for ${bundled} (an esbuild entry is missing) and ${tsSource}`);
}
