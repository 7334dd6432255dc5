/**
 * The Experiments table's filter model. The user types clauses, all of which must hold:
 *   - comparisons `field op value` with op one of > >= < <= = != (e.g. `lr > 1e-3`,
 *     `evalLoss.best<0.5`, `optimizer = mezo`, `status != failed`);
 *   - any other word: rows whose name, id, optimizer, status or tags contain it (case-insensitive).
 * A field is a column key ("param:optimizer.lr", "metric:evalLoss.best", "status"), a parameter
 * key ("optimizer.lr"), the unique last part of one ("lr"), or a metric with its statistic
 * ("evalLoss.best"; a bare metric name means its best). Other views (parallel-coordinates
 * brushing) set numeric ranges through the host's `filter` message; both apply together.
 */
import { EXPERIMENT_METRICS, type ExperimentRanges, type ExperimentRow } from '../../runtime/protocol';
import { columnOf, type CellValue, type Column, type ParamLookup } from './columns';

export type Op = '>' | '>=' | '<' | '<=' | '=' | '!=';

export type Clause = { kind: 'compare'; column: Column; op: Op; value: number | string } | { kind: 'text'; text: string };

export interface ParsedFilter {
  clauses: Clause[];
  /** One message per clause that could not be understood (it is left out, the rest apply). */
  errors: string[];
}

const TOKEN = /([A-Za-z_][\w.:-]*)\s*(>=|<=|!=|==|=|>|<)\s*("[^"]*"|[^\s"]+)|("[^"]*"|\S+)/g;

/** The column key a field name in the filter means, or an error text. */
export function resolveField(field: string, allParams: readonly string[]): { key: string } | { error: string } {
  if (columnOf(field, () => undefined) && !field.startsWith('param:')) return { key: field };
  if (field.startsWith('param:')) return allParams.includes(field.slice(6)) ? { key: field } : { error: `no parameter "${field.slice(6)}"` };
  if (allParams.includes(field)) return { key: `param:${field}` };
  const metric = /^(\w+)(?:\.(final|best|min|max))?$/.exec(field);
  if (metric && (EXPERIMENT_METRICS as readonly string[]).includes(metric[1])) return { key: `metric:${metric[1]}.${metric[2] ?? 'best'}` };
  const bySuffix = allParams.filter((p) => p.endsWith(`.${field}`));
  if (bySuffix.length === 1) return { key: `param:${bySuffix[0]}` };
  if (bySuffix.length > 1) return { error: `"${field}" is ambiguous: ${bySuffix.join(', ')}` };
  return { error: `unknown column "${field}"` };
}

export function parseFilter(text: string, allParams: readonly string[], lookup: ParamLookup): ParsedFilter {
  const out: ParsedFilter = { clauses: [], errors: [] };
  for (const m of text.matchAll(TOKEN)) {
    if (m[4] !== undefined) {
      out.clauses.push({ kind: 'text', text: unquote(m[4]).toLowerCase() });
      continue;
    }
    const [, field, rawOp, rawValue] = m;
    const resolved = resolveField(field, allParams);
    if ('error' in resolved) {
      out.errors.push(`${resolved.error} in "${m[0]}"`);
      continue;
    }
    const column = columnOf(resolved.key, lookup)!;
    const op = (rawOp === '==' ? '=' : rawOp) as Op;
    const valueText = unquote(rawValue);
    const num = Number(valueText);
    const numeric = valueText.trim() !== '' && Number.isFinite(num);
    if ((op === '>' || op === '>=' || op === '<' || op === '<=') && !numeric) {
      out.errors.push(`"${valueText}" is not a number in "${m[0]}"`);
      continue;
    }
    out.clauses.push({ kind: 'compare', column, op, value: numeric ? num : valueText.toLowerCase() });
  }
  return out;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function compare(v: CellValue, op: Op, want: number | string): boolean {
  if (v === null || v === undefined) return op === '!=';
  if (typeof want === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v);
    if (!Number.isFinite(n)) return op === '!=';
    switch (op) {
      case '>': return n > want;
      case '>=': return n >= want;
      case '<': return n < want;
      case '<=': return n <= want;
      case '=': return n === want;
      case '!=': return n !== want;
    }
  }
  const s = String(v).toLowerCase();
  return op === '=' ? s === want : op === '!=' ? s !== want : false;
}

function textMatches(row: ExperimentRow, text: string): boolean {
  return [row.name, row.id, row.optimizer, row.status, ...row.tags].some((s) => s.toLowerCase().includes(text));
}

/** A range set from another view: a column key or a bare parameter key. */
export function rangeColumns(ranges: ExperimentRanges, lookup: ParamLookup): { column: Column; lo: number | null; hi: number | null }[] {
  return Object.entries(ranges).flatMap(([key, [lo, hi]]) => {
    const column = columnOf(key, lookup) ?? columnOf(`param:${key}`, lookup);
    return column ? [{ column, lo, hi }] : [];
  });
}

export function rowPasses(row: ExperimentRow, filter: ParsedFilter, ranges: ReturnType<typeof rangeColumns>): boolean {
  for (const c of filter.clauses) {
    if (c.kind === 'text' ? !textMatches(row, c.text) : !compare(c.column.value(row), c.op, c.value)) return false;
  }
  for (const r of ranges) {
    const v = r.column.value(row);
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    if (r.lo !== null && v < r.lo) return false;
    if (r.hi !== null && v > r.hi) return false;
  }
  return true;
}
