/**
 * Deep copy of an OnnxModel that shares tensor payloads.
 *
 * Graph surgery must not change the caller's model (tests compare against it, and the runtime
 * may prepare several graphs from one read), but copying the weight bytes of a large model just
 * to edit a few nodes would double its memory. Byte buffers are never edited in place by this
 * project, so sharing them is safe.
 */
import type { OnnxModel } from './onnx-types';

function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = cloneValue(field);
  return copy;
}

export function cloneModel(model: OnnxModel): OnnxModel {
  return cloneValue(model) as OnnxModel;
}
