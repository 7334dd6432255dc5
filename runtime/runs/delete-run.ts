/**
 * Delete exactly one run folder. Refuses, with a reason: a path that is not a direct child of the
 * runs directory (after resolving symlinks and ".."), a symlink, a folder that is not a run (no
 * run.json; an unreadable run with a broken run.json is still a run folder and may go), and a run
 * whose owner process is alive (stop it first). Nothing outside that folder is touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../run/run-folder';
import { lockOwnerAlive } from './lock-owner';

export class DeleteRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeleteRefused';
  }
}

/** The checked, real path that deleteRun would remove; throws DeleteRefused otherwise. */
export function checkDeletable(runsDir: string, runDir: string): string {
  let root: string;
  try {
    root = fs.realpathSync(runsDir);
  } catch {
    throw new DeleteRefused(`runs folder ${runsDir} does not exist`);
  }
  const target = path.resolve(runsDir, runDir);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    throw new DeleteRefused(`${target} does not exist`);
  }
  if (st.isSymbolicLink()) throw new DeleteRefused(`${target} is a symbolic link, not a run folder`);
  if (!st.isDirectory()) throw new DeleteRefused(`${target} is not a folder`);
  const real = fs.realpathSync(target);
  if (path.dirname(real) !== root || path.basename(real).startsWith('.')) {
    throw new DeleteRefused(`${target} is not a run folder directly inside the runs folder ${root}`);
  }
  if (!fs.existsSync(path.join(real, RUN_FILES.manifest))) throw new DeleteRefused(`${target} is not a run folder (no ${RUN_FILES.manifest})`);
  if (lockOwnerAlive(real)) throw new DeleteRefused(`${path.basename(real)} is still running (its process is alive): stop it first`);
  return real;
}

export function deleteRun(runsDir: string, runDir: string): string {
  const real = checkDeletable(runsDir, runDir);
  fs.rmSync(real, { recursive: true, force: false });
  return real;
}
