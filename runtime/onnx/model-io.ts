/**
 * Reading and writing ONNX model files.
 *
 * Everything exposed is a plain OnnxModel (onnx-types.ts) with int64s as numbers. Error messages
 * always name the file, since users point the extension at their own exports.
 */
import { fileHead, foreignFormat } from './foreign-formats';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { OnnxModel, TensorProto } from './onnx-types';
import { decodeModelProto, encodeModelProto } from './proto-codec';
import { missingExternalDataFiles, resolveExternalData } from './external-data';

/** A model file the user named that cannot be used (missing, a folder, empty, not ONNX): one message naming it. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}
import { tensorToFloat32 } from './tensor-data';

export type { OnnxModel } from './onnx-types';
export {
  makeFloatTensor,
  makeInt64Tensor,
  makeScalarFloatTensor,
  makeShapeTensor,
  tensorElementCount,
  tensorToFloat32,
} from './tensor-data';
export { resolveExternalTensor, externalDataLocations } from './external-data';

export interface ReadModelOptions {
  /**
   * 'load' (default): read external-data tensors into memory, so the model is self-contained.
   * 'keep': leave them as references (big models: edit the graph, write it next to the .data file,
   * and give ORT the path; read single tensors with resolveExternalTensor).
   */
  externalData?: 'load' | 'keep';
}

// protobuf messages cannot exceed 2 GiB, and fs.readFileSync refuses such files anyway.
const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

/** Decodes model bytes; `source` names them in errors (a path, or e.g. 'buffer'). */
export function decodeModel(bytes: Uint8Array, source = 'buffer', options: { requireGraph?: boolean } = {}): OnnxModel {
  let model: OnnxModel;
  try {
    model = decodeModelProto(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // protobufjs reports a cut-off message as "index out of range: a + b > c".
    const hint = /index out of range/.test(reason) ? 'the file is truncated or corrupt' : 'it is not ONNX protobuf data';
    throw new ModelFileError(`${source} is not a valid ONNX model: ${hint} (${reason})`);
  }
  // Arbitrary bytes sometimes parse as protobuf; a real model always has these two fields.
  if (!model.graph && options.requireGraph !== false) throw new ModelFileError(`${source} is not a valid ONNX model: it has no graph`);
  if (!Number.isInteger(model.ir_version) || (model.ir_version ?? 0) <= 0) {
    throw new ModelFileError(`${source} is not a valid ONNX model: it has no ir_version`);
  }
  return model;
}

export function readModel(path: string, options: ReadModelOptions = {}): OnnxModel {
  if (!existsSync(path)) throw new ModelFileError(`ONNX model file not found: ${path}`);
  const stats = statSync(path);
  if (!stats.isFile()) throw new ModelFileError(`${path} is not a valid ONNX model: it is not a file`);
  if (stats.size > MAX_PROTOBUF_BYTES) {
    throw new ModelFileError(`${path} is ${stats.size} bytes: an ONNX protobuf file cannot exceed 2 GiB; export the weights as external data`);
  }
  if (stats.size === 0) throw new ModelFileError(`${path} is not a valid ONNX model: the file is empty`);
  const foreign = foreignFormat(fileHead(path));
  if (foreign) throw new ModelFileError(`${path} is not an ONNX model: ${foreign}`);
  const model = decodeModel(readFileSync(path), path);
  if ((options.externalData ?? 'load') === 'load') resolveExternalData(model, dirname(path), `${path}: `);
  return model;
}

export function encodeModel(model: OnnxModel): Uint8Array {
  return encodeModelProto(model);
}

export interface WriteModelOptions {
  /**
   * A model that keeps external-data references only works next to its .data files, so by default
   * writing it where they are missing is an error. Set true to write anyway.
   */
  allowMissingExternalData?: boolean;
}

/** Writes the model atomically (temp file + rename), so readers never see half a file. */
export function writeModel(model: OnnxModel, path: string, options: WriteModelOptions = {}): void {
  const missing = options.allowMissingExternalData ? [] : missingExternalDataFiles(model, dirname(path));
  if (missing.length > 0) {
    throw new Error(
      `cannot write ${path}: its external data file(s) ${missing.join(', ')} are not in ${dirname(path)}; ` +
        'write the edited model next to the original .data file',
    );
  }
  const temporary = `${dirname(path)}/.${basename(path)}.${process.pid}.tmp`;
  writeFileSync(temporary, encodeModel(model));
  renameSync(temporary, path);
}

/** The named initializer of the main graph, or undefined. */
export function findInitializer(model: OnnxModel, name: string): TensorProto | undefined {
  return model.graph.initializer.find((tensor) => tensor.name === name);
}

/** A fresh Float32Array copy of a float32 initializer; throws naming it when absent or not float32. */
export function initializerToFloat32(model: OnnxModel, name: string): Float32Array {
  const tensor = findInitializer(model, name);
  if (!tensor) throw new Error(`model has no initializer '${name}'`);
  return tensorToFloat32(tensor);
}
