/**
 * Reading and making TensorProto payloads.
 *
 * Traps handled here (field notes): raw_data is a view into the file buffer and is often not
 * 4-byte aligned, so it is copied into a fresh typed array; float_data decodes to an Array of
 * doubles, converted at once; tensors we make use Buffer raw_data (a JS string in a bytes field
 * would be base64-decoded) and numeric data types.
 */
import { DataLocation, DataType, type Dim, type TensorProto } from './onnx-types';

/** Names of data types, for error messages. */
export function dataTypeName(dataType: number | undefined): string {
  const entry = Object.entries(DataType).find(([, value]) => value === dataType);
  return entry ? entry[0].toLowerCase() : `data_type ${dataType}`;
}

/** Element count of a tensor (a tensor with no dims is a scalar: 1 element). */
export function tensorElementCount(tensor: TensorProto): number {
  return (tensor.dims ?? []).reduce((count, dim) => count * dim, 1);
}

export function isExternalTensor(tensor: TensorProto): boolean {
  return tensor.data_location === DataLocation.EXTERNAL;
}

/**
 * A fresh, 4-byte-aligned Float32Array holding a float32 tensor's values (never a view into the
 * model, so the caller may keep or mutate it). External tensors must be resolved first
 * (readModel does so unless asked to keep them external; see external-data.ts).
 */
export function tensorToFloat32(tensor: TensorProto): Float32Array {
  const label = `tensor '${tensor.name ?? ''}'`;
  if (tensor.data_type !== DataType.FLOAT) {
    throw new Error(`${label} is ${dataTypeName(tensor.data_type)}, not float32`);
  }
  if (isExternalTensor(tensor)) {
    throw new Error(`${label} keeps its data in an external file; resolve it first (resolveExternalTensor)`);
  }
  const count = tensorElementCount(tensor);
  const raw = tensor.raw_data;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== count * 4) {
      throw new Error(`${label} has ${raw.byteLength} bytes of raw_data, expected ${count * 4} for dims [${tensor.dims}]`);
    }
    const values = new Float32Array(count);
    // Byte copy: works whatever raw's alignment; the host is little-endian like the ONNX format.
    new Uint8Array(values.buffer).set(raw);
    return values;
  }
  const floats = tensor.float_data ?? [];
  if (floats.length !== count) {
    throw new Error(`${label} has ${floats.length} float_data values, expected ${count} for dims [${tensor.dims}]`);
  }
  return Float32Array.from(floats);
}

/** Copies a typed array's bytes into a Buffer the tensor owns (later edits of `values` do not leak in). */
function ownedBytes(values: ArrayBufferView): Buffer {
  return Buffer.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function checkCount(name: string, dims: number[], count: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count) throw new Error(`tensor '${name}': ${count} values do not fill dims [${dims}] (${expected})`);
}

/** A float32 TensorProto with the values copied into raw_data. */
export function makeFloatTensor(name: string, dims: number[], values: Float32Array | ArrayLike<number>): TensorProto {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  checkCount(name, dims, data.length);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: ownedBytes(data) };
}

/** An int64 TensorProto. Values are JS numbers (integers); stored as little-endian raw_data. */
export function makeInt64Tensor(name: string, dims: number[], values: ArrayLike<number> | BigInt64Array): TensorProto {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  checkCount(name, dims, data.length);
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: ownedBytes(data) };
}

/** A 1-D int64 tensor holding a shape, as Reshape/Expand take it. Symbolic dims are not allowed here. */
export function makeShapeTensor(name: string, shape: Dim[]): TensorProto {
  const numeric = shape.map((dim) => {
    if (typeof dim !== 'number') throw new Error(`shape tensor '${name}' cannot hold symbolic dim '${dim}'`);
    return dim;
  });
  return makeInt64Tensor(name, [numeric.length], numeric);
}

/** A float32 scalar (dims []) tensor. */
export function makeScalarFloatTensor(name: string, value: number): TensorProto {
  return makeFloatTensor(name, [], [value]);
}
