/**
 * The Experiments grid: a sticky header (click to sort, a checkbox to select every shown row) and
 * virtualised rows (virtual-rows.ts) with a selection checkbox, group headers that fold, and
 * double-click to open a run. Column widths are one CSS custom property (--cols) on the viewport.
 */
import type { ExperimentRow } from '../../runtime/protocol';
import { formatCell, type Column } from './columns';
import { ROW_HEIGHT } from './experiments-html';
import type { DisplayItem, SortSpec } from './table-model';
import { VirtualRows } from './virtual-rows';

export interface GridCallbacks {
  onSort(key: string): void;
  onToggleRow(id: string, selected: boolean): void;
  onToggleAll(selected: boolean): void;
  onToggleGroup(value: string): void;
  onOpen(id: string): void;
}

const WIDTH: Record<Column['width'], string> = { narrow: '6.5em', normal: '9em', wide: '18em' };

export class Grid {
  readonly viewport: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rows: VirtualRows;
  private items: DisplayItem[] = [];
  private columns: Column[] = [];
  private selected: ReadonlySet<string> = new Set();
  private baselineId: string | null = null;
  private allBox: HTMLInputElement | null = null;

  constructor(parent: HTMLElement, private readonly cb: GridCallbacks) {
    this.viewport = document.createElement('div');
    this.viewport.className = 'grid-viewport';
    this.viewport.id = 'grid';
    this.viewport.setAttribute('role', 'grid');
    this.head = document.createElement('div');
    this.head.className = 'grid-head';
    this.head.setAttribute('role', 'row');
    this.body = document.createElement('div');
    this.body.className = 'grid-body';
    this.body.setAttribute('role', 'rowgroup');
    this.viewport.append(this.head, this.body);
    parent.append(this.viewport);
    this.rows = new VirtualRows({ viewport: this.viewport, body: this.body, rowHeight: ROW_HEIGHT, render: (el, i) => this.renderItem(el, i) });
    this.body.addEventListener('change', (e) => {
      const box = e.target as HTMLInputElement;
      const id = box.closest<HTMLElement>('.row')?.dataset.id;
      if (id && box.type === 'checkbox') cb.onToggleRow(id, box.checked);
    });
    this.body.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row.group');
      if (row?.dataset.group !== undefined) cb.onToggleGroup(row.dataset.group);
    });
    this.body.addEventListener('dblclick', (e) => {
      const id = (e.target as HTMLElement).closest<HTMLElement>('.row')?.dataset.id;
      if (id) cb.onOpen(id);
    });
  }

  /** Redraw with new columns, items, selection or sort. */
  update(columns: Column[], items: DisplayItem[], shown: readonly ExperimentRow[], selected: ReadonlySet<string>, sort: SortSpec | null, baselineId: string | null): void {
    const columnsChanged = columns.map((c) => c.key).join('\n') !== this.columns.map((c) => c.key).join('\n');
    this.columns = columns;
    this.items = items;
    this.selected = selected;
    this.baselineId = baselineId;
    this.viewport.style.setProperty('--cols', ['2em', ...columns.map((c) => WIDTH[c.width])].join(' '));
    if (columnsChanged || !this.allBox) this.renderHead();
    this.updateHead(sort, shown);
    this.rows.setCount(items.length);
  }

  /** Item indices drawn now (the debug hook). */
  drawnRange(): [number, number] {
    return this.rows.drawnRange();
  }

  scrollToIndex(i: number): void {
    this.rows.scrollToIndex(i);
  }

  private renderHead(): void {
    this.head.replaceChildren();
    const all = document.createElement('div');
    all.className = 'cell';
    this.allBox = document.createElement('input');
    this.allBox.type = 'checkbox';
    this.allBox.id = 'select-all';
    this.allBox.setAttribute('aria-label', 'select every shown run');
    this.allBox.addEventListener('change', () => this.cb.onToggleAll(this.allBox!.checked));
    all.append(this.allBox);
    this.head.append(all);
    for (const c of this.columns) {
      const cell = document.createElement('div');
      cell.className = `cell${c.numeric ? ' num' : ''}`;
      cell.dataset.col = c.key;
      cell.setAttribute('role', 'columnheader');
      cell.textContent = c.label;
      cell.title = `${c.title}\n(click to sort)`;
      cell.addEventListener('click', () => this.cb.onSort(c.key));
      this.head.append(cell);
    }
  }

  private updateHead(sort: SortSpec | null, shown: readonly ExperimentRow[]): void {
    for (const cell of this.head.querySelectorAll<HTMLElement>('[data-col]')) {
      if (sort && cell.dataset.col === sort.key) cell.setAttribute('aria-sort', sort.dir === 'asc' ? 'ascending' : 'descending');
      else cell.removeAttribute('aria-sort');
    }
    const n = shown.filter((r) => this.selected.has(r.id)).length;
    this.allBox!.checked = n > 0 && n === shown.length;
    this.allBox!.indeterminate = n > 0 && n < shown.length;
  }

  private renderItem(el: HTMLElement, index: number): void {
    const item = this.items[index];
    el.replaceChildren();
    el.setAttribute('role', 'row');
    if (item.kind === 'group') {
      el.className = 'row group';
      el.dataset.group = item.value;
      delete el.dataset.id;
      const cell = document.createElement('div');
      cell.className = 'cell';
      cell.textContent = `${item.collapsed ? '▸' : '▾'} ${item.value} (${item.count} run${item.count === 1 ? '' : 's'})`;
      el.append(cell);
      return;
    }
    const row = item.row;
    el.className = `row${this.selected.has(row.id) ? ' selected' : ''}${row.id === this.baselineId ? ' baseline' : ''}`;
    el.dataset.id = row.id;
    delete el.dataset.group;
    const first = document.createElement('div');
    first.className = 'cell';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = this.selected.has(row.id);
    box.setAttribute('aria-label', `select ${row.name}`);
    first.append(box);
    el.append(first);
    for (const c of this.columns) {
      const cell = document.createElement('div');
      const v = c.value(row);
      cell.className = `cell${typeof v === 'number' ? ' num' : ''}`;
      cell.dataset.col = c.key;
      cell.setAttribute('role', 'gridcell');
      const text = document.createElement('span');
      text.textContent = formatCell(c, v);
      cell.append(text);
      if (c.key === 'status') text.className = `status-${row.status}`;
      if (c.key === 'name') {
        cell.title = `${row.name}\n${row.dir ?? row.id}${row.warning ? `\n${row.warning}` : ''}`;
        if (row.id === this.baselineId) cell.append(badge('baseline'));
        if (row.warning) {
          const w = document.createElement('span');
          w.className = 'warn';
          w.textContent = '⚠';
          w.title = row.warning;
          cell.append(w);
        }
      } else cell.title = text.textContent;
      el.append(cell);
    }
  }
}

function badge(text: string): HTMLElement {
  const b = document.createElement('span');
  b.className = 'badge';
  b.textContent = text;
  return b;
}
