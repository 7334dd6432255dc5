/**
 * Constant initializers the resident graphs need (uint32 and float scalars), deduplicated per
 * builder: each graph names a constant once, whatever the number of layers that use it.
 */
import type { GraphBuilder } from '../../onnx/graph-builder';
import { DataType } from '../../onnx/onnx-types';

/** Resident graphs use ONNX opset 18: BitwiseXor/And/Or exist from 18 (measured: opset 17 rejects them). */
export const RESIDENT_OPSET = 18;

const made = new WeakMap<GraphBuilder, Set<string>>();

function once(b: GraphBuilder, name: string, make: () => void): string {
  let names = made.get(b);
  if (!names) made.set(b, (names = new Set()));
  if (!names.has(name)) {
    names.add(name);
    make();
  }
  return name;
}

/** A uint32 scalar (rank 0) initializer. */
export function u32(b: GraphBuilder, value: number): string {
  const v = value >>> 0;
  return once(b, `c.u32.${v}`, () => b.initializer({ name: `c.u32.${v}`, dims: [], data_type: DataType.UINT32, raw_data: new Uint8Array(Uint32Array.of(v).buffer) }));
}

/** A float32 scalar (rank 0) initializer. */
export function f32(b: GraphBuilder, value: number): string {
  const name = `c.f32.${Object.is(value, -0) ? '-0' : String(value)}`;
  return once(b, name, () => b.initializer({ name, dims: [], data_type: DataType.FLOAT, raw_data: new Uint8Array(Float32Array.of(value).buffer) }));
}

/** A 1-D int64 initializer (shapes, slice bounds, gather indices). */
export function i64s(b: GraphBuilder, values: number[]): string {
  const name = `c.i64.${values.join('_').replace(/-/g, 'm')}`;
  return once(b, name, () => b.initializer({ name, dims: [values.length], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) }));
}

/** A 1-D uint32 initializer under `name` (a table: its values are too many to spell in the name), made once per builder. */
export function u32Table(b: GraphBuilder, name: string, values: () => Uint32Array): string {
  return once(b, name, () => {
    const data = values();
    b.initializer({ name, dims: [data.length], data_type: DataType.UINT32, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  });
}

/** An int64 scalar initializer. */
export function i64(b: GraphBuilder, value: number): string {
  const name = `c.i64s.${value}`;
  return once(b, name, () => b.initializer({ name, dims: [], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.of(BigInt(value)).buffer) }));
}
