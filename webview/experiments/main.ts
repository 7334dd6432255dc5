/**
 * The Experiments page: one row per run, computed by the host (ExperimentsViewModel); this page
 * filters, sorts, groups and selects (its own state, kept in the webview state), lets the user
 * choose and order columns (saved per workspace through the host), and posts intents for what
 * needs the host: compare, delete, open a run, baseline and target.
 */
import {
  validateExperimentRanges,
  type ExperimentRanges,
  type ExperimentRow,
  type ExperimentsIntent,
  type ExperimentsViewModel,
  type ExperimentTarget,
  type HostToExperiments,
} from '../../runtime/protocol';
import { webviewHost } from '../vscode-host';
import { el, noticeLine } from '../dom';
import { renderColumnChooser } from './column-chooser';
import { allColumnKeys, columnOf, defaultColumnKeys, formatNumber, paramLookup, type Column } from './columns';
import { parseFilter, rangeColumns, type ParsedFilter } from './filter';
import { Grid } from './grid';
import { buildTableView, type SortSpec, type TableView } from './table-model';

const host = webviewHost<ExperimentsIntent>();
const saved = host.readState();

let model: ExperimentsViewModel | null = null;
let filterText = typeof saved.filter === 'string' ? saved.filter : '';
let sort: SortSpec | null = isSort(saved.sort) ? saved.sort : null;
let groupBy: string = typeof saved.groupBy === 'string' ? saved.groupBy : '';
let collapsed = new Set<string>(Array.isArray(saved.collapsed) ? saved.collapsed.filter((x): x is string => typeof x === 'string') : []);
/** Ranges set by other views through the host (parallel-coordinates brushing). */
let ranges: ExperimentRanges = {};
let selected = new Set<string>();
let view: TableView = { items: [], shown: [] };
let lastRenderMs = 0;
let lastFilteredPosted = '';
let renderedFilter = filterText;

function isSort(v: unknown): v is SortSpec {
  return typeof v === 'object' && v !== null && typeof (v as SortSpec).key === 'string' && ((v as SortSpec).dir === 'asc' || (v as SortSpec).dir === 'desc');
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  const l = el('label');
  l.append(text, control);
  return l;
}

// ---------------------------------------------------------------- layout
const root = document.getElementById('root') ?? document.body;
const toolbar = el('div', 'toolbar', 'toolbar');
const filterInput = el('input', '', 'filter');
filterInput.type = 'search';
filterInput.placeholder = 'filter: text, or lr > 1e-3, evalLoss.best < 0.5, optimizer = mezo';
filterInput.value = filterText;
filterInput.setAttribute('aria-label', 'filter runs');
filterInput.setAttribute('aria-describedby', 'filter-errors');
const groupSelect = el('select', '', 'group-by');
groupSelect.setAttribute('aria-label', 'group by');
const columnsBox = el('details', 'columns', 'columns');
const targetMetric = el('select', '', 'target-metric');
targetMetric.setAttribute('aria-label', 'target metric');
for (const [value, label] of [['none', 'no target'], ['evalLoss', 'eval loss ≤'], ['trainLoss', 'train loss ≤']]) targetMetric.append(new Option(label, value));
const targetValue = el('input', '', 'target-value');
targetValue.type = 'text';
targetValue.size = 14;
targetValue.placeholder = "baseline's best";
targetValue.setAttribute('aria-label', "target loss (empty: the baseline's best)");
const compareButton = el('button', 'primary', 'compare');
const baselineButton = el('button', '', 'set-baseline');
const deleteButton = el('button', '', 'delete');
const clearButton = el('button', '', 'clear-selection');
clearButton.textContent = 'Clear selection';
toolbar.append(
  labelled('Filter', filterInput),
  labelled('Group by', groupSelect),
  columnsBox,
  labelled('Target', targetMetric),
  targetValue,
  compareButton,
  baselineButton,
  deleteButton,
  clearButton,
);
const filterErrors = el('div', 'filter-errors', 'filter-errors');
filterErrors.setAttribute('role', 'alert');
const chips = el('div', 'chips', 'range-chips');
const notice = noticeLine();
root.append(toolbar, filterErrors, chips, notice);
const grid = new Grid(root, {
  onSort: (key) => {
    sort = sort?.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
    persist();
    refresh();
  },
  onToggleRow: (id, on) => {
    if (on) selected.add(id);
    else selected.delete(id);
    refresh();
  },
  onToggleAll: (on) => {
    selected = on ? new Set(view.shown.map((r) => r.id)) : new Set();
    refresh();
  },
  onToggleGroup: (value) => {
    if (!collapsed.delete(value)) collapsed.add(value);
    persist();
    refresh();
  },
  onOpen: (id) => host.post({ type: 'open-run', id }),
});

// ---------------------------------------------------------------- controls
let filterTimer = 0;
filterInput.addEventListener('input', () => {
  // Typing in a 1,000-row table: re-filter once the user pauses.
  clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => {
    filterText = filterInput.value;
    persist();
    refresh();
  }, 120);
});
groupSelect.addEventListener('change', () => {
  groupBy = groupSelect.value;
  collapsed = new Set();
  persist();
  refresh();
});
const postTarget = () => {
  const metric = targetMetric.value;
  let target: ExperimentTarget = { kind: 'none' };
  if (metric === 'evalLoss' || metric === 'trainLoss') {
    const text = targetValue.value.trim();
    const v = Number(text);
    if (text && !Number.isFinite(v)) {
      showNotice('error', `target: "${text}" is not a number (leave it empty for the baseline's best ${metric === 'evalLoss' ? 'eval' : 'train'} loss)`);
      return;
    }
    target = text ? { kind: 'value', metric, value: v } : { kind: 'baseline-best', metric };
  }
  host.post({ type: 'set-target', target });
};
targetMetric.addEventListener('change', postTarget);
targetValue.addEventListener('change', postTarget);
compareButton.addEventListener('click', () => host.post({ type: 'compare', ids: selectedIds() }));
deleteButton.addEventListener('click', () => host.post({ type: 'delete', ids: selectedIds() }));
baselineButton.addEventListener('click', () => {
  const [id] = selectedIds();
  host.post({ type: 'set-baseline', id: id === model?.baselineId ? null : id });
});
clearButton.addEventListener('click', () => {
  selected = new Set();
  refresh();
});

function selectedIds(): string[] {
  return view.shown.filter((r) => selected.has(r.id)).map((r) => r.id);
}

function persist(): void {
  host.writeState({ filter: filterText, sort, groupBy, collapsed: [...collapsed] });
}

function showNotice(level: 'info' | 'error', text: string): void {
  notice.className = `notice${level === 'error' ? ' error' : ''}`;
  notice.textContent = text;
}

// ---------------------------------------------------------------- columns
function columnKeys(m: ExperimentsViewModel): string[] {
  return m.columns ?? defaultColumnKeys(m);
}

function shownColumns(m: ExperimentsViewModel): Column[] {
  const lookup = paramLookup(m);
  return columnKeys(m).flatMap((k) => columnOf(k, lookup) ?? []);
}

function saveColumns(keys: string[] | null): void {
  if (!model) return;
  model.columns = keys;
  host.post({ type: 'save-columns', columns: keys ?? [] });
  refresh();
}

function renderToolbar(m: ExperimentsViewModel, columns: Column[]): void {
  const lookup = paramLookup(m);
  const shownKeys = new Set(columns.map((c) => c.key));
  renderColumnChooser(columnsBox, {
    shown: columns,
    others: allColumnKeys(m).filter((k) => !shownKeys.has(k)).flatMap((k) => columnOf(k, lookup) ?? []),
    onChange: (keys) => saveColumns(keys),
    onReset: () => saveColumns(null),
  });
  // Group by: the categorical columns and every differing parameter.
  const options = [['', 'nothing'], ['optimizer', 'optimizer'], ['status', 'status'], ['tags', 'tags'], ...m.differingParams.map((p) => [`param:${p}`, p])];
  if (groupBy && !options.some(([v]) => v === groupBy)) options.push([groupBy, groupBy.replace(/^param:/, '')]);
  groupSelect.replaceChildren(...options.map(([v, l]) => new Option(l, v, false, v === groupBy)));
  targetMetric.value = m.target.kind === 'none' ? 'none' : m.target.metric;
  if (document.activeElement !== targetValue) targetValue.value = m.target.kind === 'value' ? String(m.target.value) : '';
}

// ---------------------------------------------------------------- render
let frame = 0;
function refresh(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function render(): void {
  if (!model) return;
  const t0 = performance.now();
  const m = model;
  const lookup = paramLookup(m);
  const columns = shownColumns(m);
  const parsed: ParsedFilter = parseFilter(filterText, m.allParams, lookup);
  filterInput.classList.toggle('invalid', parsed.errors.length > 0);
  filterErrors.textContent = parsed.errors.join('; ');
  const groupColumn = groupBy ? columnOf(groupBy, lookup) : null;
  const sortColumn = sort ? columnOf(sort.key, lookup) : null;
  view = buildTableView(m.rows, { filter: parsed, ranges: rangeColumns(ranges, lookup), sort: sortColumn, sortDir: sort?.dir ?? 'asc', groupBy: groupColumn, collapsed });
  // Rows that went away (deleted, filtered out) leave the selection.
  const shownIds = new Set(view.shown.map((r) => r.id));
  for (const id of selected) if (!shownIds.has(id)) selected.delete(id);
  renderToolbar(m, columns);
  renderChips();
  const n = selected.size;
  compareButton.textContent = `Compare (${n})`;
  compareButton.disabled = n < 2;
  deleteButton.textContent = `Delete (${n})…`;
  deleteButton.disabled = n < 1;
  baselineButton.textContent = n === 1 && [...selected][0] === m.baselineId ? 'Unset baseline' : 'Set as baseline';
  baselineButton.disabled = n !== 1;
  clearButton.disabled = n === 0;
  grid.update(columns, view.items, view.shown, selected, sort, m.baselineId);
  const target = m.targetValue === null ? '' : ` · target loss ${formatNumber(m.targetValue)}`;
  const baseline = m.baselineId ? ` · baseline ${m.rows.find((r) => r.id === m.baselineId)?.name ?? m.baselineId}` : '';
  if (!notice.classList.contains('error')) showNotice('info', `${view.shown.length} of ${m.rows.length} runs${target}${baseline} · ${m.sources.join(', ')}`);
  const filtered = view.shown.map((r) => r.id).join('\n');
  if (filtered !== lastFilteredPosted) {
    lastFilteredPosted = filtered;
    host.post({ type: 'filtered', ids: view.shown.map((r) => r.id) });
  }
  renderedFilter = filterText;
  lastRenderMs = performance.now() - t0;
  document.body.dataset.ready = 'true';
}

function renderChips(): void {
  chips.replaceChildren(
    ...Object.entries(ranges).map(([key, [lo, hi]]) => {
      const chip = el('span', 'chip');
      chip.dataset.range = key;
      const text = `${key.replace(/^param:/, '')} ∈ [${lo === null ? '−∞' : formatNumber(lo)}, ${hi === null ? '∞' : formatNumber(hi)}]`;
      const x = el('button');
      x.textContent = '×';
      x.setAttribute('aria-label', `clear ${text}`);
      x.addEventListener('click', () => {
        delete ranges[key];
        refresh();
      });
      chip.append(text, x);
      return chip;
    }),
  );
}

// ---------------------------------------------------------------- host messages
function upsert(rows: ExperimentRow[], removed: string[]): void {
  if (!model) return;
  const byId = new Map(model.rows.map((r) => [r.id, r]));
  for (const id of removed) byId.delete(id);
  for (const r of rows) byId.set(r.id, r);
  model.rows = [...byId.values()];
}

window.addEventListener('message', (event: MessageEvent<HostToExperiments>) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'experiments-data':
      model = msg.model;
      if (notice.classList.contains('error')) showNotice('info', '');
      break;
    case 'rows-changed':
      upsert(msg.rows, msg.removed);
      break;
    case 'filter': {
      const v = validateExperimentRanges(msg.ranges);
      if (!v.ok) {
        showNotice('error', `filter from another view ignored: ${v.reason}`);
        return;
      }
      ranges = v.value;
      break;
    }
    case 'notice':
      showNotice(msg.level, msg.text);
      return;
    default:
      return;
  }
  refresh();
});

// Tests read what the page decided without scraping 1,000 virtual rows.
(window as unknown as { __heleneExperimentsDebug: unknown }).__heleneExperimentsDebug = {
  shownIds: () => view.shown.map((r) => r.id),
  items: () => view.items.map((i) => (i.kind === 'group' ? `group:${i.value}:${i.count}` : i.row.id)),
  columns: () => (model ? shownColumns(model).map((c) => c.key) : []),
  drawnRange: () => grid.drawnRange(),
  lastRenderMs: () => lastRenderMs,
  scrollToIndex: (i: number) => grid.scrollToIndex(i),
  renderedFilter: () => renderedFilter,
};

host.post({ type: 'ready' });
