/**
 * The per-layer table: the latest statistics record, one row per layer. A plain <table> (not the
 * toolkit's data-grid): 200 rows of numbers need no virtualisation, a native table is read well by
 * screen readers, and rows are reused between updates so a live run does not churn the DOM.
 */
import type { LayerStat } from '../../runtime/protocol';
import { LAYER_COLUMNS, layerRowCells } from './layer-columns';

export interface LayerTable {
  update(layers: { t: number; rows: LayerStat[] } | null): void;
}

export function createLayerTable(parent: HTMLElement): LayerTable {
  const section = document.createElement('section');
  section.className = 'layer-section';
  section.setAttribute('aria-labelledby', 'layer-heading');
  const heading = document.createElement('h2');
  heading.id = 'layer-heading';
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.tabIndex = 0; // scrollable region: reachable by keyboard
  wrap.setAttribute('aria-labelledby', 'layer-heading');
  const table = document.createElement('table');
  table.id = 'layer-table';
  const thead = table.createTHead();
  const headRow = thead.insertRow();
  for (const c of LAYER_COLUMNS) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.label;
    th.title = c.title;
    th.dataset.key = c.key;
    headRow.appendChild(th);
  }
  const tbody = table.createTBody();
  wrap.appendChild(table);
  section.append(heading, wrap);
  parent.appendChild(section);

  return {
    update(layers) {
      heading.textContent = layers ? `Layers at step ${layers.t}` : 'Layers (no statistics recorded yet)';
      const rows = layers?.rows ?? [];
      while (tbody.rows.length > rows.length) tbody.deleteRow(-1);
      rows.forEach((stat, i) => {
        const tr = tbody.rows[i] ?? tbody.insertRow();
        const cells = layerRowCells(stat);
        cells.forEach((text, j) => {
          let cell = tr.cells[j];
          if (!cell) {
            cell = j === 0 ? document.createElement('th') : document.createElement('td');
            if (j === 0) (cell as HTMLTableCellElement).scope = 'row';
            tr.appendChild(cell);
          }
          if (cell.textContent !== text) cell.textContent = text;
        });
        tr.dataset.layer = stat.name;
      });
    },
  };
}
