/**
 * How KernelPool starts its worker threads in each way this code runs:
 *  1. an explicit `workerPath` option (a .js file, or a .ts file when running under tsx);
 *  2. the esbuild bundle: dist/kernel-worker.js next to the bundle that contains the pool
 *     (`__dirname` is then dist/);
 *  3. the TypeScript sources under tsx (tests, `tsx` scripts): runtime/rng/kernel-worker.ts.
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

const WORKER_BASENAME = 'kernel-worker';

function tsxBootstrap(tsFile: string): WorkerEntry {
  let tsxCjs: string;
  try {
    tsxCjs = require.resolve('tsx/cjs');
  } catch {
    throw new Error(
      `KernelPool: found ${tsFile} but no built ${WORKER_BASENAME}.js, and tsx is not installed to run the .ts source`,
    );
  }
  const source = `require(${JSON.stringify(tsxCjs)});\nrequire(${JSON.stringify(tsFile)});\n`;
  return { source, eval: true, file: tsFile };
}

export function resolveWorkerEntry(workerPath?: string): WorkerEntry {
  if (workerPath !== undefined) {
    const file = path.resolve(workerPath);
    if (!existsSync(file)) throw new Error(`KernelPool: workerPath does not exist: ${file}`);
    return file.endsWith('.ts') ? tsxBootstrap(file) : { source: file, eval: false, file };
  }
  const bundled = path.join(__dirname, `${WORKER_BASENAME}.js`);
  if (existsSync(bundled)) return { source: bundled, eval: false, file: bundled };
  const tsSource = path.join(__dirname, `${WORKER_BASENAME}.ts`);
  if (existsSync(tsSource)) return tsxBootstrap(tsSource);
  throw new Error(
    `KernelPool: no worker script: looked for ${bundled} (add runtime/rng/kernel-worker.ts as an esbuild entry) and ${tsSource}`,
  );
}
