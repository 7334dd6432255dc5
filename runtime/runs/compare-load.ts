/**
 * Read run folders for a comparison. A folder that cannot be read becomes an `unreadable` entry
 * with the reason; the comparison goes on with the rest.
 */
import * as path from 'node:path';
import { readRunHistorySync } from '../run/run-reader';
import type { CompareRunInput } from './compare-model';

export interface LoadedComparison {
  runs: (CompareRunInput & { dir: string })[];
  unreadable: { id: string; reason: string }[];
}

export function loadCompareRuns(runDirs: readonly string[]): LoadedComparison {
  const out: LoadedComparison = { runs: [], unreadable: [] };
  const seen = new Set<string>();
  for (const dir of runDirs) {
    const abs = path.resolve(dir);
    let id = path.basename(abs);
    // Two runs with the same folder name from different runs folders: keep both, distinguishable.
    for (let k = 2; seen.has(id); k++) id = `${path.basename(abs)} (${k})`;
    seen.add(id);
    try {
      // A decimated history: every eval and event, the steps' shape; bounded whatever the run's length.
      const snapshot = readRunHistorySync(abs);
      if (!snapshot.manifest) out.unreadable.push({ id, reason: 'not a run folder: no run.json' });
      else out.runs.push({ id, dir: abs, snapshot });
    } catch (e) {
      out.unreadable.push({ id, reason: (e as Error).message });
    }
  }
  return out;
}
