/**
 * The config diff: only the keys whose values differ between the runs. Few runs: one row per key,
 * one column per run. Many runs (more than 6, and more runs than keys): one row per run, one column
 * per key, so 20 runs read down the page instead of scrolling sideways.
 */
import type { CompareViewModel } from '../../runtime/protocol';
import { MISSING } from './format';
import { createSwatch } from './swatch';

/** Up to this many runs are columns; beyond, runs are rows (when they outnumber the keys). */
const MAX_RUN_COLUMNS = 6;

export function renderDiffTable(model: CompareViewModel, colours: ReadonlyMap<string, string>): HTMLElement {
  const wrap = document.createElement('section');
  wrap.id = 'diff';
  if (model.diff.length === 0) {
    const p = document.createElement('p');
    p.className = 'caption';
    p.id = 'diff-empty';
    p.textContent = 'The configurations are identical (apart from names and output folders).';
    wrap.append(p);
    return wrap;
  }
  const byRun = model.runs.length > MAX_RUN_COLUMNS && model.runs.length > model.diff.length;
  const table = byRun ? runsAsRows(model, colours) : keysAsRows(model, colours);
  table.classList.add('data');
  table.id = 'diff-table';
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.id = 'diff-scroll';
  scroll.append(table);
  wrap.append(scroll);
  return wrap;
}

function runHeader(r: CompareViewModel['runs'][number], colours: ReadonlyMap<string, string>): Node[] {
  return [createSwatch(colours.get(r.id)), document.createTextNode(r.name)];
}

function keysAsRows(model: CompareViewModel, colours: ReadonlyMap<string, string>): HTMLTableElement {
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  const keyHead = document.createElement('th');
  keyHead.textContent = 'config key';
  head.appendChild(keyHead);
  for (const r of model.runs) {
    const th = document.createElement('th');
    th.dataset.run = r.id;
    th.title = r.id;
    th.append(...runHeader(r, colours));
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of model.diff) {
    const tr = body.insertRow();
    tr.dataset.key = row.key;
    const k = tr.insertCell();
    k.textContent = row.key;
    k.className = 'key';
    row.values.forEach((v, i) => {
      const td = tr.insertCell();
      td.dataset.run = model.runs[i]?.id ?? '';
      td.textContent = v ?? MISSING;
      if (v !== row.values[0]) td.classList.add('differs');
    });
  }
  return table;
}

function runsAsRows(model: CompareViewModel, colours: ReadonlyMap<string, string>): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'by-run';
  const head = table.createTHead().insertRow();
  const runHead = document.createElement('th');
  runHead.textContent = 'run';
  head.appendChild(runHead);
  for (const row of model.diff) {
    const th = document.createElement('th');
    th.dataset.key = row.key;
    th.className = 'key';
    th.textContent = row.key;
    head.appendChild(th);
  }
  const body = table.createTBody();
  model.runs.forEach((r, i) => {
    const tr = body.insertRow();
    tr.dataset.run = r.id;
    const name = tr.insertCell();
    name.dataset.col = 'name';
    name.title = r.id;
    name.append(...runHeader(r, colours));
    for (const row of model.diff) {
      const td = tr.insertCell();
      td.dataset.key = row.key;
      td.textContent = row.values[i] ?? MISSING;
      if (row.values[i] !== row.values[0]) td.classList.add('differs');
    }
  });
  return table;
}
