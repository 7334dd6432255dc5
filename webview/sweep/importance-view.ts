/**
 * The importance ranking: one row per swept parameter, most important first, with the share of the
 * metric's variance its main effect explains (a bar), what chance alone would give, and its levels;
 * then what the main effects leave (interactions and noise) and the caveats for small or incomplete
 * sweeps. Every row carries data-key and data-fraction (the unrounded number) for the tests.
 */
import type { ImportanceResult, SweepMetricChoice } from '../../runtime/protocol';

const pct = (v: number) => `${(100 * v).toFixed(v < 0.1 ? 1 : 0)} %`;

export function renderImportance(result: ImportanceResult | undefined, metric: SweepMetricChoice): HTMLElement {
  const wrap = document.createElement('section');
  wrap.id = 'importance';
  const caption = document.createElement('p');
  caption.className = 'caption';
  caption.id = 'importance-caption';
  if (!result) {
    caption.textContent = `No importance for ${metric.label}.`;
    wrap.append(caption);
    return wrap;
  }
  caption.textContent = `Share of the variance of ${metric.label} over ${result.n} run${result.n === 1 ? '' : 's'} that each parameter's main effect explains (fANOVA-style; see docs/sweep-views.md).`;
  const table = document.createElement('table');
  table.className = 'data';
  table.id = 'importance-table';
  const head = table.createTHead().insertRow();
  for (const [text, title, num] of [
    ['parameter', '', false],
    ['importance', 'share of the variance explained by this parameter alone', false],
    ['', '', true],
    ['chance', 'what a parameter with no effect and this many levels would explain on average', true],
    ['levels', 'groups the runs were split into (distinct values, or quantile bins)', true],
  ] as const) {
    const th = document.createElement('th');
    th.textContent = text;
    if (title) th.title = title;
    if (num) th.className = 'num';
    head.append(th);
  }
  const body = table.createTBody();
  for (const p of result.parameters) {
    const tr = body.insertRow();
    tr.dataset.key = p.key;
    tr.dataset.fraction = String(p.fraction);
    if (p.aboveChance) tr.classList.add('above-chance');
    const name = tr.insertCell();
    name.className = 'key';
    name.textContent = p.key;
    const barCell = tr.insertCell();
    barCell.className = 'bar-cell';
    const bar = document.createElement('div');
    bar.className = 'bar';
    // CSSOM, which the CSP allows (a style="" attribute would be refused).
    bar.style.width = `${(100 * p.fraction).toFixed(1)}%`;
    barCell.append(bar);
    const value = tr.insertCell();
    value.className = 'num';
    value.dataset.col = 'fraction';
    value.textContent = pct(p.fraction);
    const chance = tr.insertCell();
    chance.className = 'num';
    chance.dataset.col = 'chance';
    chance.textContent = pct(p.chance);
    const levels = tr.insertCell();
    levels.className = 'num';
    levels.textContent = `${p.levels}${p.binned ? ' bins' : ''}`;
  }
  const rest = body.insertRow();
  rest.className = 'remainder';
  rest.dataset.fraction = String(result.remainder);
  const restName = rest.insertCell();
  restName.textContent = 'interactions + noise';
  restName.title = 'what the main effects leave unexplained';
  rest.insertCell();
  const restValue = rest.insertCell();
  restValue.className = 'num';
  restValue.textContent = pct(result.remainder);
  rest.insertCell();
  rest.insertCell();
  wrap.append(caption, table);
  if (result.caveats.length) {
    const list = document.createElement('ul');
    list.id = 'importance-caveats';
    list.className = 'caveats';
    for (const c of result.caveats) {
      const li = document.createElement('li');
      li.textContent = c;
      list.append(li);
    }
    wrap.append(list);
  }
  return wrap;
}
