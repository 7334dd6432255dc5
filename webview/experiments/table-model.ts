/**
 * What the grid shows, from the rows and the page's choices: filtered (filter.ts), sorted by one
 * column (numbers as numbers, text as text, empty cells last in either direction), optionally
 * grouped by a column's value (groups in sorted order of their value, each with its run count;
 * a collapsed group shows only its header). Pure, so the browser tests and the page agree.
 */
import type { ExperimentRow } from '../../runtime/protocol';
import { formatCell, type CellValue, type Column } from './columns';
import { rowPasses, type ParsedFilter, type rangeColumns } from './filter';

export interface SortSpec {
  key: string;
  dir: 'asc' | 'desc';
}

export type DisplayItem = { kind: 'group'; value: string; count: number; collapsed: boolean } | { kind: 'row'; row: ExperimentRow };

function cmp(a: CellValue, b: CellValue): number {
  const an = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
  const bn = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function sortRows(rows: readonly ExperimentRow[], column: Column | null, dir: 'asc' | 'desc'): ExperimentRow[] {
  if (!column) return [...rows];
  const sign = dir === 'asc' ? 1 : -1;
  const keyed = rows.map((row, i) => ({ row, v: column.value(row), i }));
  keyed.sort((x, y) => {
    const xn = x.v === null || x.v === undefined;
    const yn = y.v === null || y.v === undefined;
    // Empty cells last whatever the direction; ties keep the rows' own order (stable).
    if (xn || yn) return xn === yn ? x.i - y.i : xn ? 1 : -1;
    return sign * cmp(x.v, y.v) || x.i - y.i;
  });
  return keyed.map((k) => k.row);
}

export interface TableChoices {
  filter: ParsedFilter;
  ranges: ReturnType<typeof rangeColumns>;
  sort: Column | null;
  sortDir: 'asc' | 'desc';
  groupBy: Column | null;
  collapsed: ReadonlySet<string>;
}

export interface TableView {
  items: DisplayItem[];
  /** The rows that pass the filter, in display order (groups flattened). */
  shown: ExperimentRow[];
}

export function buildTableView(rows: readonly ExperimentRow[], c: TableChoices): TableView {
  const passing = rows.filter((r) => rowPasses(r, c.filter, c.ranges));
  const sorted = sortRows(passing, c.sort, c.sortDir);
  if (!c.groupBy) return { items: sorted.map((row) => ({ kind: 'row', row })), shown: sorted };
  const groups = new Map<string, { v: CellValue; rows: ExperimentRow[] }>();
  for (const row of sorted) {
    const v = c.groupBy.value(row);
    const label = formatCell(c.groupBy, v);
    let g = groups.get(label);
    if (!g) groups.set(label, (g = { v, rows: [] }));
    g.rows.push(row);
  }
  const ordered = [...groups.entries()].sort((a, b) => cmp(a[1].v, b[1].v));
  const items: DisplayItem[] = [];
  const shown: ExperimentRow[] = [];
  for (const [label, g] of ordered) {
    const collapsed = c.collapsed.has(label);
    items.push({ kind: 'group', value: label, count: g.rows.length, collapsed });
    shown.push(...g.rows);
    if (!collapsed) for (const row of g.rows) items.push({ kind: 'row', row });
  }
  return { items, shown };
}
