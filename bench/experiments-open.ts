/**
 * Open time of the Experiments page's host side over N run folders (default 1,000): the model built
 * cold (every metrics.jsonl read), then warm from the digest cache file (a new session: only stat
 * calls), then after one run changed. Prints times and what was read (counts and bytes, which do
 * not depend on the machine's load). The page's render time is printed by
 * test/webview/experiments.test.ts.
 * Usage: npx tsx bench/experiments-open.ts [count=1000] [runsDir]   (a temp folder when none is given)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeExperimentRuns } from '../scripts/experiment-runs-fixture';
import { buildExperimentsModel, DEFAULT_VIEW_STATE } from '../runtime/runs/experiment-rows';
import { RunFolderSource } from '../runtime/runs/experiment-source';

const count = Number(process.argv[2] ?? 1000);
const given = process.argv[3];
const tmp = given ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'helene-experiments-'));
const runsDir = given ?? path.join(tmp!, 'runs');
const cacheFile = path.join(tmp ?? os.tmpdir(), `experiments-cache-${process.pid}.json`);
try {
  if (!given) writeExperimentRuns(runsDir, { count });
  const state = { ...DEFAULT_VIEW_STATE, target: { kind: 'value' as const, metric: 'evalLoss' as const, value: 0.6 } };
  const open = (label: string, source: RunFolderSource) => {
    const t0 = performance.now();
    const entries = source.entries();
    const model = buildExperimentsModel(entries, { ...state, baselineId: entries[0]?.row.id ?? null }, [runsDir]);
    const ms = performance.now() - t0;
    const bytes = JSON.stringify(model).length;
    const r = source.lastRead;
    console.log(`${label}: ${model.rows.length} rows in ${ms.toFixed(0)} ms; ${r.metricsRead} metrics files read (${(r.metricsBytes / 1e6).toFixed(1)} MB), ${r.fromCache} from cache; model ${(bytes / 1e6).toFixed(2)} MB of JSON`);
  };
  const cold = new RunFolderSource(runsDir, { cacheFile });
  open('cold (no cache)', cold);
  cold.flush();
  console.log(`cache file: ${(fs.statSync(cacheFile).size / 1e6).toFixed(2)} MB`);
  open('warm (same session, nothing changed)', cold);
  open('new session (cache file)', new RunFolderSource(runsDir, { cacheFile }));
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
} finally {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  else fs.rmSync(cacheFile, { force: true });
}
