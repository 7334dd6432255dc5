/**
 * JSON-lines reading with errors that name the file and line. A line that is not JSON, is not an
 * object, or misses a required field either fails the run or is skipped and counted (data.badLines).
 */
import * as fs from 'node:fs';

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export interface JsonlRead {
  rows: Record<string, unknown>[];
  /** 1-based line numbers of the rows, for later error messages (label out of range, wrong length). */
  lines: number[];
  skipped: { line: number; reason: string }[];
}

export function readJsonl(file: string, requiredKeys: string[], policy: 'fail' | 'skip'): JsonlRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read dataset ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
  const out: JsonlRead = { rows: [], lines: [], skipped: [] };
  const rawLines = text.split('\n');
  for (let i = 0; i < rawLines.length; i++) {
    const raw = rawLines[i].trim();
    if (raw === '') continue;
    const lineNo = i + 1;
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
      if (policy === 'fail') throw new DataError(`${file}:${lineNo}: line ${reason}. Fix the line, or set data.badLines to "skip" to skip and count such lines.`);
      out.skipped.push({ line: lineNo, reason });
      continue;
    }
    out.rows.push(row as Record<string, unknown>);
    out.lines.push(lineNo);
  }
  if (out.rows.length === 0) {
    throw new DataError(`${file}: the dataset is empty${out.skipped.length ? ` (all ${out.skipped.length} lines were skipped as bad)` : ''}`);
  }
  return out;
}
