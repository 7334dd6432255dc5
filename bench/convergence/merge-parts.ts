/**
 * Merge the part files of a run split over processes by optimizer (run.ts --part) into one results
 * file in the order given (MeZO's part first), and print the table:
 *
 *   npx tsx bench/convergence/merge-parts.ts --out merged.json part-mezo.json part-helene.json [...]
 *
 * Per task, the optimizers of every part are concatenated; the merged file's `command` lists the
 * part commands and `seconds` is the longest part's wall time (the parts ran at the same time).
 */
import * as fs from 'node:fs';
import { renderTable, type TaskResult } from './table';

interface ResultsFile {
  command: string;
  date: string;
  seconds: number;
  seeds: number[];
  results: TaskResult[];
}

const argv = process.argv.slice(2);
const outIndex = argv.indexOf('--out');
if (outIndex < 0 || argv.length < outIndex + 3) {
  process.stderr.write('usage: npx tsx bench/convergence/merge-parts.ts --out merged.json part1.json part2.json [...]\n');
  process.exit(2);
}
const out = argv[outIndex + 1];
const files = argv.filter((_, i) => i !== outIndex && i !== outIndex + 1);
const parts = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ResultsFile);
const results: TaskResult[] = [];
for (const part of parts) {
  if (JSON.stringify(part.seeds) !== JSON.stringify(parts[0].seeds)) throw new Error('the parts ran different seeds');
  for (const r of part.results) {
    const into = results.find((x) => x.task === r.task);
    if (!into) results.push({ ...r, optimizers: [...r.optimizers] });
    else {
      if (into.steps !== r.steps) throw new Error(`${r.task}: the parts ran different step counts`);
      into.optimizers.push(...r.optimizers);
    }
  }
}
process.stdout.write(renderTable(results) + '\n');
const merged = {
  command: parts.map((p) => p.command).join(' ; '),
  parts: files,
  partSeconds: parts.map((p) => p.seconds),
  date: parts.map((p) => p.date).sort().at(-1),
  seconds: Math.max(...parts.map((p) => p.seconds)),
  seeds: parts[0].seeds,
  results,
};
fs.writeFileSync(out, JSON.stringify(merged, null, 1) + '\n');
process.stdout.write(`merged: ${out}\n`);
