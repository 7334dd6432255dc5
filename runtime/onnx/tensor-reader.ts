/**
 * A weight's values as float32, read from wherever the model keeps them (inline raw_data or
 * float_data, an external-data file, or the .onnx itself at an offset recorded by
 * model-structure.ts) straight into one Float32Array that the caller then owns: float32 tensors are
 * read by the file system into the array's own bytes; float16 / bfloat16 ones are converted through
 * a small bounded chunk. No other copy of the tensor is ever made.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataType, type TensorProto } from './onnx-types';
import { externalDataPath, externalDataRef } from './external-data';
import { dataTypeName, isExternalTensor, tensorElementCount, tensorToFloat32 } from './tensor-data';
import { decode16 } from './half-precision';

/** The float types a trainable weight may be stored in. */
export const TRAINABLE_FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16]);

const CHUNK_BYTES = 1 << 22;

function readFully(fd: number, target: Uint8Array, position: number, what: string, path: string): void {
  let done = 0;
  while (done < target.byteLength) {
    const n = readSync(fd, target, done, target.byteLength - done, position + done);
    if (n === 0) throw new Error(`${what}: unexpected end of ${path}`);
    done += n;
  }
}

function inline16(tensor: TensorProto, out: Float32Array, label: string): void {
  const raw = tensor.raw_data;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== out.length * 2) throw new Error(`${label} has ${raw.byteLength} bytes of raw_data, expected ${out.length * 2}`);
    decode16(raw, out, 0, tensor.data_type === DataType.BFLOAT16);
    return;
  }
  // float16/bfloat16 without raw_data: the bit patterns sit in int32_data, one per value.
  const bits = tensor.int32_data ?? [];
  if (bits.length !== out.length) throw new Error(`${label} has ${bits.length} int32_data values, expected ${out.length}`);
  const bytes = new Uint8Array(out.length * 2);
  for (let i = 0; i < bits.length; i++) {
    bytes[2 * i] = bits[i] & 0xff;
    bytes[2 * i + 1] = (bits[i] >> 8) & 0xff;
  }
  decode16(bytes, out, 0, tensor.data_type === DataType.BFLOAT16);
}

/**
 * A fresh Float32Array with the tensor's values. `baseDir` is the model's directory (external
 * locations are relative to it); `context` prefixes error messages (e.g. the model's name).
 */
export function readTensorFloat32(tensor: TensorProto, baseDir: string | undefined, context = ''): Float32Array {
  const label = `${context}tensor '${tensor.name ?? ''}'`;
  const type = tensor.data_type ?? 0;
  if (!TRAINABLE_FLOAT_TYPES.has(type)) throw new Error(`${label} is ${dataTypeName(type)}, not float32, float16 or bfloat16`);
  const count = tensorElementCount(tensor);
  const elementSize = type === DataType.FLOAT ? 4 : 2;
  if (!isExternalTensor(tensor)) {
    if (type === DataType.FLOAT) return tensorToFloat32(tensor);
    const out = new Float32Array(count);
    inline16(tensor, out, label);
    return out;
  }
  if (baseDir === undefined) throw new Error(`${label} keeps its data in an external file; the model's directory is needed to read it`);
  const ref = externalDataRef(tensor);
  const path = externalDataPath(baseDir, ref.location);
  const byteLength = ref.length ?? count * elementSize;
  if (byteLength !== count * elementSize) {
    throw new Error(`${label}: external data has ${byteLength} bytes, expected ${count * elementSize} for dims [${tensor.dims}]`);
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new Error(`${label} is stored in external data file ${path}, which does not exist`);
  }
  try {
    const size = fstatSync(fd).size;
    if (ref.offset + byteLength > size) {
      throw new Error(`${label} needs bytes ${ref.offset}..${ref.offset + byteLength} of ${path}, but the file has ${size} bytes (truncated?)`);
    }
    const out = new Float32Array(count);
    if (type === DataType.FLOAT) {
      readFully(fd, new Uint8Array(out.buffer), ref.offset, label, path);
      return out;
    }
    const chunk = new Uint8Array(Math.min(CHUNK_BYTES, byteLength));
    for (let done = 0; done < byteLength; done += chunk.byteLength) {
      const part = chunk.subarray(0, Math.min(chunk.byteLength, byteLength - done));
      readFully(fd, part, ref.offset + done, label, path);
      decode16(part, out, done / 2, type === DataType.BFLOAT16);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * `count` float32 values of a float32 tensor from element `start` (a probe: the buffer and
 * folded-copy checks look at a few values before they read a whole external tensor).
 */
export function readFloat32Range(tensor: TensorProto, baseDir: string | undefined, start: number, count: number): Float32Array {
  if (tensor.data_type !== DataType.FLOAT) throw new Error(`tensor '${tensor.name ?? ''}' is ${dataTypeName(tensor.data_type)}, not float32`);
  if (!isExternalTensor(tensor)) return tensorToFloat32(tensor).slice(start, start + count);
  if (baseDir === undefined) throw new Error(`tensor '${tensor.name ?? ''}' keeps its data in an external file; the model's directory is needed to read it`);
  const ref = externalDataRef(tensor);
  const path = externalDataPath(baseDir, ref.location);
  const n = Math.max(0, Math.min(count, tensorElementCount(tensor) - start));
  const out = new Float32Array(n);
  const fd = openSync(path, 'r');
  try {
    readFully(fd, new Uint8Array(out.buffer), ref.offset + 4 * start, `tensor '${tensor.name ?? ''}'`, path);
  } finally {
    closeSync(fd);
  }
  return out;
}
