/**
 * JSON-lines reading with errors that name the file and line. The file is streamed line by line
 * (runtime/data/line-reader.ts), so a huge line is refused before it costs memory or time. A line
 * over data.maxLineBytes always fails; a line that is not valid UTF-8 fails, warns or is decoded
 * with U+FFFD (data.invalidUtf8); a line that is not JSON, is not an object, or misses a required
 * field either fails the run or is skipped and counted (data.badLines).
 */
import { CONFIG_SCHEMA, type FieldSpec } from '../protocol';
import { DataError } from './data-error';
import { forEachLine } from './line-reader';
import { decodeLine, describeInvalidByte, type InvalidUtf8Policy } from './utf8-line';

export { DataError } from './data-error';
export type { InvalidUtf8Policy } from './utf8-line';

export interface LineRules {
  badLines: 'fail' | 'skip';
  invalidUtf8: InvalidUtf8Policy;
  maxLineBytes: number;
}

const dataSchema = (CONFIG_SCHEMA.data as Extract<FieldSpec, { type: 'section' }>).fields;
const defaultOf = (key: string) => (dataSchema[key] as Exclude<FieldSpec, { type: 'section' }>).default;

/** The config schema's defaults for data.badLines, data.invalidUtf8 and data.maxLineBytes. */
export const DEFAULT_LINE_RULES: LineRules = {
  badLines: defaultOf('badLines') as LineRules['badLines'],
  invalidUtf8: defaultOf('invalidUtf8') as LineRules['invalidUtf8'],
  maxLineBytes: defaultOf('maxLineBytes') as number,
};

/** A badLines policy alone (older callers) or a partial set of rules, over the defaults. */
export function lineRules(rules: 'fail' | 'skip' | Partial<LineRules>): LineRules {
  return { ...DEFAULT_LINE_RULES, ...(typeof rules === 'string' ? { badLines: rules } : rules) };
}

export interface InvalidUtf8Report {
  /** Lines that were not valid UTF-8 (policy warn or replace), decoded with U+FFFD. */
  count: number;
  /** The first few of them: line number and where its first invalid byte is. */
  first: { line: number; where: string }[];
}

export interface JsonlRead {
  rows: Record<string, unknown>[];
  /** 1-based line numbers of the rows, for later error messages (label out of range, wrong length). */
  lines: number[];
  skipped: { line: number; reason: string }[];
  invalidUtf8: InvalidUtf8Report;
}

const REPORTED_INVALID_LINES = 20;

export function readJsonl(file: string, requiredKeys: string[], rules: 'fail' | 'skip' | Partial<LineRules>): JsonlRead {
  const { badLines, invalidUtf8, maxLineBytes } = lineRules(rules);
  const out: JsonlRead = { rows: [], lines: [], skipped: [], invalidUtf8: { count: 0, first: [] } };
  forEachLine(file, maxLineBytes, (bytes, lineNo) => {
    const decoded = decodeLine(bytes);
    if (decoded.invalidAt !== null) {
      const where = describeInvalidByte(bytes, decoded.invalidAt);
      if (invalidUtf8 === 'error') {
        throw new DataError(
          `${file}:${lineNo}: line is not valid UTF-8 (${where}); is the file in another encoding (e.g. Latin-1)? ` +
            `Convert it to UTF-8 (iconv -f latin1 -t utf-8), or set data.invalidUtf8 to "warn" or "replace" to read such bytes as U+FFFD`,
        );
      }
      out.invalidUtf8.count++;
      if (out.invalidUtf8.first.length < REPORTED_INVALID_LINES) out.invalidUtf8.first.push({ line: lineNo, where });
    }
    const raw = decoded.text.trim();
    if (raw === '') return;
    let reason: string | null = null;
    let row: unknown;
    try {
      row = JSON.parse(raw);
      if (typeof row !== 'object' || row === null || Array.isArray(row)) reason = 'is not a JSON object';
      else {
        const missing = requiredKeys.filter((k) => !(k in (row as object)));
        if (missing.length) reason = `misses field${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')}`;
      }
    } catch (e) {
      reason = `is not valid JSON (${(e as Error).message})`;
    }
    if (reason) {
      if (badLines === 'fail') throw new DataError(`${file}:${lineNo}: line ${reason}. Fix the line, or set data.badLines to "skip" to skip and count such lines.`);
      out.skipped.push({ line: lineNo, reason });
      return;
    }
    out.rows.push(row as Record<string, unknown>);
    out.lines.push(lineNo);
  });
  if (out.rows.length === 0) {
    throw new DataError(`${file}: the dataset is empty${out.skipped.length ? ` (all ${out.skipped.length} lines were skipped as bad)` : ''}`);
  }
  return out;
}

/** The warning a run records (policy warn) for lines read with U+FFFD: file:line and the count. */
export function invalidUtf8Warning(file: string, report: InvalidUtf8Report): string {
  const first = report.first[0];
  const more = report.first.slice(1, 5).map((f) => f.line);
  return (
    `${file}:${first.line}: ${report.count} line(s) not valid UTF-8 (first: ${first.where}${more.length ? `; also lines ${more.join(', ')}${report.count > 5 ? ', …' : ''}` : ''}); ` +
    `their invalid bytes were read as U+FFFD, which changes the text the model sees. Convert the file to UTF-8, or set data.invalidUtf8 to "replace" to accept this silently`
  );
}
