/**
 * Writes a model whose weights go to one side file (`<model file>.data`), as the ONNX exporters do
 * for big models: the .onnx then holds only the structure, so neither the 2 GiB protobuf limit nor
 * the memory of an encoded copy applies. Tensors that are already external (in the source model's
 * `.data` files or in the source .onnx itself, see model-structure.ts) are copied file to file in
 * bounded chunks; inline tensors of `inlineBelow` bytes or more are moved into the side file, and
 * deferred tensors (an export's trained weights) are made, written and dropped one at a time.
 */
import { closeSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataLocation, type OnnxModel, type TensorProto } from './onnx-types';
import { externalDataPath, externalDataRef, forEachGraphTensor } from './external-data';
import { isExternalTensor } from './tensor-data';
import { writeModel } from './model-io';
import { DEFAULT_INLINE_BELOW } from './model-structure';

const CHUNK = 1 << 22;
// Page-aligned offsets let onnxruntime map a tensor instead of copying it.
const ALIGN = 4096;

/** Whether any tensor of the model lives outside its protobuf. */
export function hasExternalTensors(model: OnnxModel): boolean {
  let found = false;
  forEachGraphTensor(model.graph, (tensor) => {
    if (isExternalTensor(tensor)) found = true;
  });
  return found;
}

/**
 * Writes `model` to `file` and its weights to `<file>.data` (both atomically). External references
 * in `model` resolve against `sourceDir`. Returns the side file's name.
 */
export function writeModelWithExternalData(
  model: OnnxModel,
  file: string,
  sourceDir: string,
  inlineBelow = DEFAULT_INLINE_BELOW,
  /** Tensors made only when their turn comes (export-model.ts planExport): one is held at a time. */
  deferred: Map<string, () => TensorProto> = new Map(),
): string {
  const dataName = `${basename(file)}.data`;
  const temporary = join(dirname(file), `.${dataName}.${process.pid}.tmp`);
  const out = openSync(temporary, 'w');
  const sources = new Map<string, number>();
  let offset = 0;
  const chunk = Buffer.alloc(CHUNK);
  const append = (bytes: Uint8Array): void => {
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(out, bytes, done, bytes.byteLength - done, offset + done);
    offset += bytes.byteLength;
  };
  const pad = (): void => {
    const rest = offset % ALIGN;
    if (rest) append(new Uint8Array(ALIGN - rest));
  };
  const external = (tensor: TensorProto, start: number, length: number): TensorProto => {
    const moved: TensorProto = { ...tensor, data_location: DataLocation.EXTERNAL };
    delete moved.raw_data;
    moved.external_data = [
      { key: 'location', value: dataName },
      { key: 'offset', value: String(start) },
      { key: 'length', value: String(length) },
    ];
    return moved;
  };
  try {
    forEachGraphTensor(model.graph, (placeholder) => {
      const make = deferred.get(placeholder.name ?? '');
      const tensor = make ? make() : placeholder;
      if (isExternalTensor(tensor)) {
        const ref = externalDataRef(tensor);
        const path = externalDataPath(sourceDir, ref.location);
        let fd = sources.get(path);
        if (fd === undefined) sources.set(path, (fd = openSync(path, 'r')));
        if (ref.length === undefined) throw new Error(`tensor '${tensor.name}' has external data without a length; cannot copy it`);
        pad();
        const start = offset;
        for (let done = 0; done < ref.length; ) {
          const n = readSync(fd, chunk, 0, Math.min(CHUNK, ref.length - done), ref.offset + done);
          if (n === 0) throw new Error(`tensor '${tensor.name}': unexpected end of ${path}`);
          append(chunk.subarray(0, n));
          done += n;
        }
        return external(tensor, start, ref.length);
      }
      const raw = tensor.raw_data;
      if (!raw || raw.byteLength < inlineBelow) return make ? tensor : undefined;
      pad();
      const start = offset;
      append(raw);
      return external(tensor, start, raw.byteLength);
    });
  } finally {
    closeSync(out);
    for (const fd of sources.values()) closeSync(fd);
  }
  renameSync(temporary, join(dirname(file), dataName));
  writeModel(model, file);
  return dataName;
}
