/**
 * The summary table: one row per run with final and best values, steps and training forward passes
 * to the target, and the speedups against the baseline. Every cell carries data-col and data-value
 * (the unrounded number) so tests and screen readers get the exact value behind the rounded text.
 */
import type { CompareSummaryRow, CompareTarget, CompareViewModel } from '../../runtime/protocol';
import { createSwatch } from './swatch';
import { MISSING, formatAt, formatCount, formatLoss, formatPercent, formatSeconds, formatSpeedup } from './format';

export interface SummaryColumn {
  key: string;
  /** The full name (a screen reader's header; with `help`, the tooltip). */
  title: string;
  /** Shown under its group's header: short, so 15 columns fit a ~900 px editor without scrolling. */
  short: string;
  /** Columns of one group share a header above them ("final", "best", "to target", "speedup"). */
  group?: string;
  help: string;
  value(r: CompareSummaryRow): number | null;
  text(r: CompareSummaryRow): string;
}

export const SUMMARY_COLUMNS: readonly SummaryColumn[] = [
  { key: 'passesPerStep', title: 'passes/step', short: 'passes per step', help: 'forward passes one optimizer step costs', value: (r) => r.forwardPassesPerStep, text: (r) => String(r.forwardPassesPerStep) },
  { key: 'steps', title: 'steps', short: 'steps', help: 'last step recorded', value: (r) => r.steps, text: (r) => formatCount(r.steps) },
  { key: 'trainingPasses', title: 'train passes', short: 'train passes', help: 'training forward passes (evaluation excluded)', value: (r) => r.trainingPasses, text: (r) => formatCount(r.trainingPasses) },
  { key: 'wallSeconds', title: 'wall time', short: 'wall time', help: 'training time, pauses excluded', value: (r) => r.wallSeconds, text: (r) => formatSeconds(r.wallSeconds) },
  { key: 'finalTrainLoss', title: 'final train loss', group: 'final', short: 'train loss', help: 'train loss of the last step', value: (r) => r.finalTrainLoss, text: (r) => formatLoss(r.finalTrainLoss) },
  { key: 'finalEvalLoss', title: 'final eval loss', group: 'final', short: 'eval loss', help: 'eval loss of the last evaluation', value: (r) => r.finalEvalLoss?.value ?? null, text: (r) => formatLoss(r.finalEvalLoss?.value) },
  { key: 'bestEvalLoss', title: 'best eval loss', group: 'best', short: 'eval loss', help: 'lowest eval loss @ its step', value: (r) => r.bestEvalLoss?.value ?? null, text: (r) => formatAt(r.bestEvalLoss, formatLoss) },
  { key: 'bestEvalMetric', title: 'best accuracy', group: 'best', short: 'acc.', help: 'highest eval accuracy @ its step', value: (r) => r.bestEvalMetric?.value ?? null, text: (r) => formatAt(r.bestEvalMetric, formatPercent) },
  { key: 'hitStep', title: 'steps to target', group: 'to target', short: 'steps', help: 'first evaluation at which the eval loss reaches the target', value: (r) => r.hit?.t ?? null, text: (r) => (r.hit ? formatCount(r.hit.t) : 'not reached') },
  { key: 'hitPasses', title: 'passes to target', group: 'to target', short: 'passes', help: 'training forward passes up to that evaluation', value: (r) => r.hit?.trainingPasses ?? null, text: (r) => (r.hit ? formatCount(r.hit.trainingPasses) : MISSING) },
  { key: 'stepSpeedup', title: 'speedup (steps)', group: 'speedup', short: 'steps', help: "baseline's steps to target / this run's", value: (r) => r.stepSpeedup, text: (r) => formatSpeedup(r.stepSpeedup) },
  { key: 'passSpeedup', title: 'speedup (passes)', group: 'speedup', short: 'passes', help: "baseline's training passes to target / this run's", value: (r) => r.passSpeedup, text: (r) => formatSpeedup(r.passSpeedup) },
  { key: 'wallSpeedup', title: 'speedup (time)', group: 'speedup', short: 'time', help: "baseline's wall time to target / this run's", value: (r) => r.wallSpeedup, text: (r) => formatSpeedup(r.wallSpeedup) },
];

/**
 * Two header rows: run, optimizer and the ungrouped columns span both; a group's name spans its
 * columns, their short names below it. Each short header carries the full name and its meaning as
 * its tooltip and the full name as aria-label.
 */
function renderHeader(table: HTMLTableElement): void {
  const thead = table.createTHead();
  const top = thead.insertRow();
  const bottom = thead.insertRow();
  const th = (row: HTMLTableRowElement, text: string, o: { rows?: number; cols?: number; title?: string; label?: string; num?: boolean } = {}) => {
    const cell = document.createElement('th');
    // An abbreviation ("opt.", "acc.") is marked as one, its full name on hover.
    if (text.endsWith('.') && o.label) {
      const abbr = document.createElement('abbr');
      abbr.title = o.label;
      abbr.textContent = text;
      cell.append(abbr);
    } else cell.textContent = text;
    if (o.rows) cell.rowSpan = o.rows;
    if (o.cols) cell.colSpan = o.cols;
    if (o.title) cell.title = o.title;
    if (o.label) cell.setAttribute('aria-label', o.label);
    if (o.num) cell.className = 'num';
    if (o.cols) cell.className = 'group';
    row.appendChild(cell);
  };
  th(top, 'run', { rows: 2 });
  th(top, 'opt.', { rows: 2, label: 'optimizer' });
  for (let i = 0; i < SUMMARY_COLUMNS.length; ) {
    const c = SUMMARY_COLUMNS[i];
    const help = `${c.title}: ${c.help}`;
    if (!c.group) {
      th(top, c.short, { rows: 2, title: help, label: c.title, num: true });
      i++;
      continue;
    }
    // The run of adjacent columns of this group.
    let end = i;
    while (end < SUMMARY_COLUMNS.length && SUMMARY_COLUMNS[end].group === c.group) end++;
    const members = SUMMARY_COLUMNS.slice(i, end);
    th(top, c.group, { cols: members.length });
    for (const m of members) th(bottom, m.short, { title: `${m.title}: ${m.help}`, label: m.title, num: true });
    i += members.length;
  }
}

export function describeTarget(target: CompareTarget, baselineName: string): string {
  if (target.kind === 'final') return `${baselineName}'s final eval loss`;
  if (target.kind === 'tail') return `mean of ${baselineName}'s last ${target.evals} eval losses`;
  return 'a fixed eval loss';
}

export function renderSummaryTable(model: CompareViewModel, colours: ReadonlyMap<string, string>, onOpen: (runId: string) => void): HTMLElement {
  const wrap = document.createElement('section');
  wrap.id = 'summary';
  const baseline = model.summary.find((r) => r.isBaseline);
  const caption = document.createElement('p');
  caption.id = 'target-line';
  caption.className = 'caption';
  caption.dataset.value = model.targetLoss === null ? '' : String(model.targetLoss);
  caption.textContent =
    model.targetLoss === null
      ? `The baseline ${baseline?.name ?? ''} has no evaluation: no target.`
      : `Target: eval loss ≤ ${formatLoss(model.targetLoss)} (${describeTarget(model.target, baseline?.name ?? 'baseline')}). Speedups are baseline ÷ run, counted at the first evaluation that reaches it.`;
  const table = document.createElement('table');
  table.className = 'data';
  table.id = 'summary-table';
  renderHeader(table);
  const body = table.createTBody();
  model.summary.forEach((r) => {
    const tr = body.insertRow();
    tr.dataset.run = r.id;
    if (r.isBaseline) tr.classList.add('baseline');
    const name = tr.insertCell();
    name.dataset.col = 'name';
    const swatch = createSwatch(colours.get(r.id));
    const link = document.createElement('a');
    link.href = '#';
    link.textContent = r.name;
    link.title = `open ${r.id}`;
    link.addEventListener('click', (e) => {
      e.preventDefault();
      onOpen(r.id);
    });
    name.append(swatch, link);
    if (r.isBaseline) {
      const tag = document.createElement('span');
      tag.className = 'tag';
      tag.textContent = 'baseline';
      name.append(' ', tag);
    }
    const opt = tr.insertCell();
    opt.dataset.col = 'optimizer';
    opt.textContent = r.optimizer;
    for (const c of SUMMARY_COLUMNS) {
      const td = tr.insertCell();
      td.dataset.col = c.key;
      const v = c.value(r);
      td.dataset.value = v === null ? '' : String(v);
      td.textContent = c.text(r);
      td.className = 'num';
    }
  });
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.id = 'summary-scroll';
  scroll.append(table);
  wrap.append(caption, scroll);
  return wrap;
}
