/**
 * One legend for the three overlay charts: a swatch and the run's name per run (its id and
 * optimizer in the tooltip), wrapping over as many lines as it needs, so 20 runs never squeeze the
 * plots the way Chart.js's per-chart legend did.
 */
import type { CompareViewModel } from '../../runtime/protocol';
import { createSwatch } from './swatch';

export function renderRunLegend(model: CompareViewModel, colours: ReadonlyMap<string, string>): HTMLElement[] {
  const items = model.runs.map((r) => {
    const li = document.createElement('li');
    li.dataset.run = r.id;
    li.title = `${r.id} (${r.optimizer})`;
    const name = document.createElement('span');
    name.textContent = r.name;
    li.append(createSwatch(colours.get(r.id)), name);
    return li;
  });
  if (model.targetLoss !== null) {
    const li = document.createElement('li');
    li.className = 'target';
    li.title = 'the eval loss every run must reach (see Summary)';
    const dash = document.createElement('span');
    dash.className = 'swatch dashed';
    const name = document.createElement('span');
    name.textContent = 'target';
    li.append(dash, name);
    items.push(li);
  }
  return items;
}
