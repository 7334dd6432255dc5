/**
 * `helene-studio compare <runDir>...`: the VS Code compare page's model (runtime/runs/compare-model)
 * printed as a table plus the config diff, so a comparison needs no editor. Same baseline rule,
 * same target rule, same speedups; --csv writes the page's summary CSV.
 */
import * as fs from 'node:fs';
import type { CompareSummaryRow, CompareTarget, CompareViewModel } from '../protocol';
import { CliUsageError } from './args';
import { buildCompareViewModel } from '../runs/compare-model';
import { loadCompareRuns } from '../runs/compare-load';
import { summaryCsv } from '../runs/compare-export';

/** --target final | tail-N | <loss value>, as the page's target selector offers. */
export function parseCompareTarget(text: string | undefined): CompareTarget {
  if (text === undefined || text === 'final') return { kind: 'final' };
  const tail = /^tail-(\d+)$/.exec(text);
  if (tail && Number(tail[1]) >= 1) return { kind: 'tail', evals: Number(tail[1]) };
  const loss = Number(text);
  if (text.trim() !== '' && Number.isFinite(loss)) return { kind: 'value', loss };
  throw new CliUsageError(`--target ${text}: expected final, tail-N (N >= 1: the mean of the baseline's last N eval losses) or a loss value`);
}

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '—' : v.toFixed(digits));
const speed = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}x`);

function lrOf(id: string, configs: Map<string, unknown>): string {
  const lr = (configs.get(id) as { optimizer?: { lr?: number } } | undefined)?.optimizer?.lr;
  return lr === undefined ? '—' : String(lr);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function targetText(model: CompareViewModel): string {
  const t = model.target;
  const rule = t.kind === 'final' ? "the baseline's final eval loss" : t.kind === 'tail' ? `the mean of the baseline's last ${t.evals} eval losses` : 'a fixed value';
  return model.targetLoss === null ? `target: ${rule}: none (the baseline has no eval)` : `target eval loss ${model.targetLoss.toFixed(4)} (${rule})`;
}

export function formatComparison(model: CompareViewModel, configs: Map<string, unknown>): string {
  const header = ['run', 'optimizer', 'lr', 'steps', 'passes', 'final eval', 'best eval', 'passes to target', 'speedup (passes)', 'speedup (steps)'];
  const rows = model.summary.map((r: CompareSummaryRow) => [
    `${r.id}${r.isBaseline ? ' (baseline)' : ''}`,
    r.optimizer,
    lrOf(r.id, configs),
    String(r.steps),
    String(r.trainingPasses),
    num(r.finalEvalLoss?.value),
    num(r.bestEvalLoss?.value),
    r.hit ? `${r.hit.trainingPasses} (step ${r.hit.t})` : model.targetLoss === null ? '—' : 'not reached',
    speed(r.passSpeedup),
    speed(r.stepSpeedup),
  ]);
  let out = `${targetText(model)}; passes are training forward passes (evaluation excluded)\n\n` + table(header, rows);
  if (model.diff.length) {
    out += '\nconfig differences:\n' + table(['key', ...model.summary.map((r) => r.id)], model.diff.map((d) => [d.key, ...d.values.map((v) => v ?? '(absent)')]));
  } else if (model.summary.length > 1) {
    out += '\nconfig differences: none (besides name and run folder)\n';
  }
  for (const u of model.unreadable) out += `\nnot compared: ${u.id}: ${u.reason}\n`;
  return out;
}

export interface CompareCommand {
  runDirs: string[];
  baseline?: string;
  target?: string;
  csv?: string;
}

/** Prints the comparison; returns the exit code (1 when no folder could be read). */
export function runCompare(cmd: CompareCommand, write: (s: string) => void): number {
  if (cmd.runDirs.length === 0) throw new CliUsageError('usage: helene-studio compare <run folder>... [--baseline <run id>] [--target final|tail-N|<loss>] [--csv <file>]');
  const target = parseCompareTarget(cmd.target);
  const loaded = loadCompareRuns(cmd.runDirs);
  if (loaded.runs.length === 0) {
    // Every folder failed, so unreadable[i] is runDirs[i]: name each as the user typed it.
    throw new CliUsageError(`nothing to compare: ${loaded.unreadable.map((u, i) => `${cmd.runDirs[i]}: ${u.reason}`).join('; ')}`);
  }
  if (cmd.baseline !== undefined && !loaded.runs.some((r) => r.id === cmd.baseline)) {
    throw new CliUsageError(`--baseline ${cmd.baseline}: no compared run has that id; the runs are ${loaded.runs.map((r) => r.id).join(', ')}`);
  }
  const model = buildCompareViewModel(loaded.runs, { baselineId: cmd.baseline, target, unreadable: loaded.unreadable });
  const configs = new Map(loaded.runs.map((r) => [r.id, r.snapshot.manifest?.config as unknown]));
  write(formatComparison(model, configs));
  if (cmd.csv) {
    fs.writeFileSync(cmd.csv, summaryCsv(model));
    write(`summary CSV written to ${cmd.csv}\n`);
  }
  return 0;
}
