/**
 * Re-render the suite's table from results files written by run.ts (after a change to table.ts,
 * or to put several files' tables side by side), without re-running anything:
 *
 *   npx tsx bench/convergence/render-table.ts bench/convergence/results/zo-bench-demo-mlp.json [more.json ...]
 */
import * as fs from 'node:fs';
import { renderTable, type TaskResult } from './table';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/convergence/render-table.ts results.json [...]\n');
  process.exit(2);
}
for (const file of files) {
  const { command, results } = JSON.parse(fs.readFileSync(file, 'utf8')) as { command: string; results: TaskResult[] };
  process.stdout.write(`${file} (${command})\n${renderTable(results)}\n\n`);
}
