/** The config diff: only the keys whose values differ between the runs, one column per run. */
import type { CompareViewModel } from '../../runtime/protocol';
import { MISSING } from './format';
import { createSwatch } from './swatch';

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
  const table = document.createElement('table');
  table.className = 'data';
  table.id = 'diff-table';
  const head = table.createTHead().insertRow();
  const keyHead = document.createElement('th');
  keyHead.textContent = 'config key';
  head.appendChild(keyHead);
  for (const r of model.runs) {
    const th = document.createElement('th');
    th.dataset.run = r.id;
    th.title = r.id;
    th.append(createSwatch(colours.get(r.id)), r.name);
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
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.id = 'diff-scroll';
  scroll.append(table);
  wrap.append(scroll);
  return wrap;
}
