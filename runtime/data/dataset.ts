/**
 * Columnar, typed dataset built from JSON lines for the graph's data inputs. Each graph input is fed
 * from one JSON key (data.fields): a number (→ shape [B]) or an array of numbers of fixed length F
 * (→ shape [B, F]); int64 inputs (labels) must hold integers. Checks name the file, line and key.
 */
import { DataError, lineRules, readJsonl, type InvalidUtf8Report, type LineRules } from './jsonl';

export interface InputSpec {
  /** Graph input name. */
  name: string;
  /** JSON key in each line. */
  key: string;
  type: 'float32' | 'int64';
  /** Elements per example (1 for a scalar per example). */
  width: number;
  /** Shape of one example without the batch dimension ([] for scalars). */
  exampleShape: number[];
}

export interface Column {
  spec: InputSpec;
  /** float32 values, or int64 values as float64 (exact below 2^53) converted when batching. */
  values: Float32Array | Float64Array;
}

export interface Dataset {
  file: string;
  size: number;
  columns: Column[];
  skippedLines: { line: number; reason: string }[];
  /** Lines read with U+FFFD in place of invalid UTF-8 (data.invalidUtf8 warn or replace). */
  invalidUtf8?: InvalidUtf8Report;
}

export function loadDataset(file: string, specs: InputSpec[], rules: 'fail' | 'skip' | Partial<LineRules>, classes?: { input: string; count: number }): Dataset {
  const read = readJsonl(file, specs.map((s) => s.key), rules);
  const { badLines } = lineRules(rules);
  const keep: number[] = [];
  const skipped = [...read.skipped];
  rows: for (let r = 0; r < read.rows.length; r++) {
    for (const spec of specs) {
      const problem = checkValue(read.rows[r][spec.key], spec, classes?.input === spec.name ? classes.count : undefined);
      if (problem) {
        const where = `${file}:${read.lines[r]}: field "${spec.key}" (graph input "${spec.name}") ${problem}`;
        if (badLines === 'fail') throw new DataError(`${where}. Fix the line, or set data.badLines to "skip".`);
        skipped.push({ line: read.lines[r], reason: `field "${spec.key}" ${problem}` });
        continue rows;
      }
    }
    keep.push(r);
  }
  if (keep.length === 0) throw new DataError(`${file}: no usable example (${skipped.length} skipped as bad)`);
  const columns = specs.map((spec) => {
    const values = spec.type === 'float32' ? new Float32Array(keep.length * spec.width) : new Float64Array(keep.length * spec.width);
    keep.forEach((r, i) => {
      const v = read.rows[r][spec.key];
      if (spec.width === 1 && typeof v === 'number') values[i] = v;
      else (v as number[]).forEach((x, k) => (values[i * spec.width + k] = x));
    });
    return { spec, values };
  });
  skipped.sort((a, b) => a.line - b.line);
  return { file, size: keep.length, columns, skippedLines: skipped, invalidUtf8: read.invalidUtf8 };
}

function checkValue(v: unknown, spec: InputSpec, classCount?: number): string | null {
  const numbers: unknown[] = spec.width === 1 && !Array.isArray(v) ? [v] : Array.isArray(v) ? v.flat(Infinity) : [v];
  if (numbers.length !== spec.width) {
    return `has ${Array.isArray(v) ? `${numbers.length} values` : 'a single value'}, the model expects ${spec.width} (shape [${spec.exampleShape.join(', ')}])`;
  }
  for (const x of numbers) {
    if (typeof x !== 'number' || !Number.isFinite(x)) return `holds ${JSON.stringify(x)}, not a finite number`;
    if (spec.type === 'float32' && Math.abs(x) > 3.4028234663852886e38) return `holds ${x}, beyond the float32 range (|x| <= 3.4e38)`;
    if (spec.type === 'int64' && !Number.isInteger(x)) return `holds ${x}, not an integer`;
    if (classCount !== undefined && (x < 0 || x >= classCount)) return `holds label ${x}, out of range [0, ${classCount - 1}] for a ${classCount}-class model`;
  }
  return null;
}
