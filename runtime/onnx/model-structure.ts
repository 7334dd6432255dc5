/**
 * The structure of an ONNX model without its weight bytes, read with small positional reads.
 *
 * `readModel` decodes the whole file in memory, and a model's weights are most of it: at 1.3 B
 * parameters that is a 5.2 GB transient copy on top of what training holds. Here the protobuf wire
 * format is walked by hand down to ModelProto.graph (7) → GraphProto.initializer (5) →
 * TensorProto.raw_data (9); every other field is copied as it is (a protobuf message is the
 * concatenation of its fields, so leaving one out is a valid message) and decoded by protobufjs.
 * A raw_data payload of `inlineBelow` bytes or more is skipped and the tensor becomes an ONNX
 * external-data reference to the .onnx file itself (location = its file name, offset, length):
 * the rest of the pipeline, onnxruntime included, then reads those bytes from the file exactly as
 * it reads `.data` side files. Tensors already stored as external data stay as they are.
 */
import { fileHead, foreignFormat } from './foreign-formats';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DataLocation, type OnnxModel, type TensorProto } from './onnx-types';
import { decodeGraphProto, decodeTensorProto } from './proto-codec';
import { decodeModel, ModelFileError } from './model-io';

export interface StructureOptions {
  /** raw_data payloads at least this long stay in the file (default 1 MiB); smaller ones are read. */
  inlineBelow?: number;
}

export const DEFAULT_INLINE_BELOW = 1 << 20;

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const WINDOW = 1 << 20;

/** Positional reads through one reusable window (most fields are a few bytes long). */
class FileWindow {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly fd: number, readonly size: number, private readonly path: string) {}

  private load(position: number, length: number): void {
    const wanted = Math.min(Math.max(length, WINDOW), this.size - position);
    if (this.window.byteLength < wanted) this.window = Buffer.alloc(wanted);
    let done = 0;
    while (done < wanted) {
      const n = readSync(this.fd, this.window, done, wanted - done, position + done);
      if (n === 0) break;
      done += n;
    }
    this.windowStart = position;
  }

  /** A view of `length` bytes at `position`, valid until the next call. */
  view(position: number, length: number): Buffer {
    if (position + length > this.size) throw new ModelFileError(`${this.path} is not a valid ONNX model: the file is truncated or corrupt (a field runs past its end)`);
    const end = this.windowStart + this.window.byteLength;
    if (position < this.windowStart || position + length > end || this.window.byteLength === 0) this.load(position, length);
    return this.window.subarray(position - this.windowStart, position - this.windowStart + length);
  }

  /** A fresh copy of `length` bytes at `position`. */
  copy(position: number, length: number): Buffer {
    return Buffer.from(this.view(position, length));
  }

  /** A varint at `position`: [value, position after it]. Values up to 2^53 (file offsets, lengths). */
  varint(position: number): [number, number] {
    const bytes = this.view(position, Math.min(10, this.size - position));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.byteLength; i++) {
      value += (bytes[i] & 0x7f) * scale;
      if ((bytes[i] & 0x80) === 0) return [value, position + i + 1];
      scale *= 128;
    }
    throw new ModelFileError(`${this.path} is not a valid ONNX model: a malformed varint at byte ${position}`);
  }
}

interface Field {
  field: number;
  wireType: number;
  /** Where the field's tag starts, where its payload starts, where the field ends. */
  start: number;
  payload: number;
  end: number;
}

/** The fields of the message in [start, end). */
function* fields(file: FileWindow, start: number, end: number, path: string): Generator<Field> {
  let position = start;
  while (position < end) {
    const [tag, afterTag] = file.varint(position);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payload = afterTag;
    let fieldEnd: number;
    if (wireType === 0) fieldEnd = file.varint(afterTag)[1];
    else if (wireType === 1) fieldEnd = afterTag + 8;
    else if (wireType === 5) fieldEnd = afterTag + 4;
    else if (wireType === 2) {
      const [length, afterLength] = file.varint(afterTag);
      payload = afterLength;
      fieldEnd = afterLength + length;
    } else throw new ModelFileError(`${path} is not a valid ONNX model: unsupported protobuf wire type ${wireType} at byte ${position}`);
    if (field === 0 || fieldEnd > end) throw new ModelFileError(`${path} is not a valid ONNX model: the file is truncated or corrupt (field at byte ${position})`);
    yield { field, wireType, start: position, payload, end: fieldEnd };
    position = fieldEnd;
  }
}

function readTensor(file: FileWindow, start: number, end: number, path: string, inlineBelow: number): TensorProto {
  const parts: Buffer[] = [];
  let raw: { offset: number; length: number } | null = null;
  for (const f of fields(file, start, end, path)) {
    if (f.field === TENSOR_RAW_DATA && f.wireType === 2 && f.end - f.payload >= inlineBelow) raw = { offset: f.payload, length: f.end - f.payload };
    else parts.push(file.copy(f.start, f.end - f.start));
  }
  const tensor = decodeTensorProto(Buffer.concat(parts));
  if (raw) {
    tensor.data_location = DataLocation.EXTERNAL;
    tensor.external_data = [
      { key: 'location', value: basename(path) },
      { key: 'offset', value: String(raw.offset) },
      { key: 'length', value: String(raw.length) },
    ];
  }
  return tensor;
}

/**
 * The model at `path` with every raw_data payload of `inlineBelow` bytes or more left in the file
 * (an external-data reference to the file itself). Holds only the graph's structure in memory.
 */
export function readModelStructure(path: string, options: StructureOptions = {}): OnnxModel {
  const inlineBelow = options.inlineBelow ?? DEFAULT_INLINE_BELOW;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new ModelFileError(`ONNX model file not found: ${path}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new ModelFileError(`${path} is not a valid ONNX model: it is not a file`);
    if (stats.size === 0) throw new ModelFileError(`${path} is not a valid ONNX model: the file is empty`);
    const foreign = foreignFormat(fileHead(path));
    if (foreign) throw new ModelFileError(`${path} is not an ONNX model: ${foreign}`);
    const file = new FileWindow(fd, stats.size, path);
    const modelParts: Buffer[] = [];
    const graphParts: Buffer[] = [];
    const initializers: TensorProto[] = [];
    let sawGraph = false;
    for (const m of fields(file, 0, stats.size, path)) {
      if (m.field !== MODEL_GRAPH || m.wireType !== 2) {
        modelParts.push(file.copy(m.start, m.end - m.start));
        continue;
      }
      sawGraph = true;
      // Repeated occurrences of a message field merge (protobuf semantics): collecting all is the same.
      for (const g of fields(file, m.payload, m.end, path)) {
        if (g.field === GRAPH_INITIALIZER && g.wireType === 2) initializers.push(readTensor(file, g.payload, g.end, path, inlineBelow));
        else graphParts.push(file.copy(g.start, g.end - g.start));
      }
    }
    if (!sawGraph) throw new ModelFileError(`${path} is not a valid ONNX model: it has no graph`);
    const model = decodeModel(Buffer.concat(modelParts), path, { requireGraph: false });
    model.graph = decodeGraphProto(Buffer.concat(graphParts));
    model.graph.initializer = initializers;
    return model;
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelFileError(`${path} is not a valid ONNX model: it is not ONNX protobuf data (${reason})`);
  } finally {
    closeSync(fd);
  }
}
