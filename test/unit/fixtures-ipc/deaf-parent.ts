// A parent that forks burst-runtime.ts and then never reads its IPC channel (its thread blocked,
// like a hung extension host): prints the child's pid, then blocks until it is killed.
import { fork } from 'node:child_process';
import * as path from 'node:path';

const child = fork(path.join(__dirname, 'burst-runtime.ts'), [], { execArgv: ['--import', 'tsx'], serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
process.stdout.write(`${child.pid}\n`);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
