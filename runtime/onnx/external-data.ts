/**
 * ONNX external data: tensors whose bytes live in a side file (data_location EXTERNAL,
 * external_data entries location / offset / length, location relative to the model's directory).
 *
 * Small models: resolve everything into memory (resolveExternalData) and treat the model like any
 * other. Big models: keep the references, and write the edited graph into the directory that holds
 * the untouched .data file, then load it by path (ORT resolves side files next to the model file,
 * but against the process cwd when given a buffer; see field notes). Single tensors, such as the
 * trainable ones whose initial values the optimizer needs, can be read with resolveExternalTensor.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DataType, type GraphProto, type TensorProto, type OnnxModel } from './onnx-types';
import { isExternalTensor, tensorElementCount } from './tensor-data';

export interface ExternalDataRef {
  location: string;
  offset: number;
  /** Undefined: up to the end of the file. */
  length?: number;
}

const BYTES_PER_ELEMENT: Partial<Record<number, number>> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, [DataType.COMPLEX64]: 8, [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
};

export function externalDataRef(tensor: TensorProto): ExternalDataRef {
  const entries = new Map((tensor.external_data ?? []).map((entry) => [entry.key ?? '', entry.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new Error(`tensor '${tensor.name ?? ''}' is marked external but has no 'location' entry`);
  const offset = entries.has('offset') ? Number(entries.get('offset')) : 0;
  const length = entries.has('length') ? Number(entries.get('length')) : undefined;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new Error(`tensor '${tensor.name ?? ''}' has an invalid external offset/length (${entries.get('offset')}/${entries.get('length')})`);
  }
  return { location, offset, length };
}

/**
 * Path of an external data file, refusing locations that leave the model's directory (as the
 * `onnx` Python package does): a model file must not make us read arbitrary files.
 */
export function externalDataPath(baseDir: string, location: string): string {
  const path = resolve(baseDir, location);
  const inside = relative(resolve(baseDir), path);
  if (isAbsolute(location) || inside.startsWith('..') || isAbsolute(inside)) {
    throw new Error(`external data location '${location}' points outside the model's directory ${baseDir}`);
  }
  return path;
}

/** Reads byte ranges from side files, keeping each file open once. */
class SideFileReader {
  private readonly fds = new Map<string, number>();

  read(path: string, offset: number, length: number | undefined, what: string): Buffer {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      if (!existsSync(path)) throw new Error(`${what} is stored in external data file ${path}, which does not exist`);
      fd = openSync(path, 'r');
      this.fds.set(path, fd);
    }
    const fileSize = fstatSync(fd).size;
    const byteLength = length ?? fileSize - offset;
    if (offset + byteLength > fileSize) {
      throw new Error(`${what} needs bytes ${offset}..${offset + byteLength} of ${path}, but the file has ${fileSize} bytes (truncated?)`);
    }
    // Buffer.alloc never takes memory from the shared pool, so the result starts 4-byte aligned.
    const bytes = Buffer.alloc(byteLength);
    let done = 0;
    while (done < byteLength) {
      const n = readSync(fd, bytes, done, byteLength - done, offset + done);
      if (n === 0) throw new Error(`${what}: unexpected end of ${path}`);
      done += n;
    }
    return bytes;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

function loadInto(tensor: TensorProto, baseDir: string, reader: SideFileReader, context: string): TensorProto {
  const ref = externalDataRef(tensor);
  const what = `${context}tensor '${tensor.name ?? ''}'`;
  const bytes = reader.read(externalDataPath(baseDir, ref.location), ref.offset, ref.length, what);
  const elementSize = BYTES_PER_ELEMENT[tensor.data_type ?? 0];
  if (elementSize !== undefined && bytes.byteLength !== tensorElementCount(tensor) * elementSize) {
    throw new Error(`${what}: external data has ${bytes.byteLength} bytes, expected ${tensorElementCount(tensor) * elementSize} for dims [${tensor.dims}]`);
  }
  const resolved: TensorProto = { ...tensor, raw_data: bytes };
  delete resolved.data_location;
  delete resolved.external_data;
  return resolved;
}

/** A copy of one external tensor with its bytes read into raw_data (other tensors are returned as is). */
export function resolveExternalTensor(tensor: TensorProto, baseDir: string): TensorProto {
  if (!isExternalTensor(tensor)) return tensor;
  const reader = new SideFileReader();
  try {
    return loadInto(tensor, baseDir, reader, '');
  } finally {
    reader.close();
  }
}

/** Calls `visit` for every tensor slot of a graph, subgraphs included; `visit` may replace the tensor. */
export function forEachGraphTensor(graph: GraphProto, visit: (tensor: TensorProto) => TensorProto | void): void {
  graph.initializer = graph.initializer.map((tensor) => visit(tensor) ?? tensor);
  for (const node of graph.node) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.t) attribute.t = visit(attribute.t) ?? attribute.t;
      if (attribute.tensors) attribute.tensors = attribute.tensors.map((tensor) => visit(tensor) ?? tensor);
      if (attribute.g) forEachGraphTensor(attribute.g, visit);
      for (const subgraph of attribute.graphs ?? []) forEachGraphTensor(subgraph, visit);
    }
  }
}

/** Loads every external tensor of `model` (in place) from files relative to `baseDir`. */
export function resolveExternalData(model: OnnxModel, baseDir: string, context = ''): void {
  const reader = new SideFileReader();
  try {
    forEachGraphTensor(model.graph, (tensor) => (isExternalTensor(tensor) ? loadInto(tensor, baseDir, reader, context) : undefined));
  } finally {
    reader.close();
  }
}

/** Distinct side-file locations a model refers to (relative to its directory). */
export function externalDataLocations(model: OnnxModel): string[] {
  const locations = new Set<string>();
  forEachGraphTensor(model.graph, (tensor) => {
    if (isExternalTensor(tensor)) locations.add(externalDataRef(tensor).location);
  });
  return [...locations];
}

/** Whether every side file the model refers to exists relative to `dir` (the missing ones are returned). */
export function missingExternalDataFiles(model: OnnxModel, dir: string): string[] {
  return externalDataLocations(model).filter((location) => !existsSync(join(dir, location)));
}
