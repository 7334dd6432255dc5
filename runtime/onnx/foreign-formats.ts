/**
 * A new user's most likely wrong model file is not a broken ONNX file but another format: the
 * PyTorch checkpoint (`.pt`, `.bin`: a zip archive, or a pickle before torch 1.6), a safetensors
 * file, a GGUF file or a Keras/HDF5 file. The protobuf decoder only says "illegal tag" or "wire type
 * 3"; these few bytes say what the file is instead. None of them can begin a real ONNX file (its
 * first byte is a ModelProto field tag, and none of these bytes is one of its fields' tags).
 */
import { closeSync, openSync, readSync } from 'node:fs';

const EXPORT_ADVICE = 'export it with torch.onnx.export (or optimum-cli export onnx) and point model.path at the .onnx file (docs/models.md)';

/** What the first bytes say the file is, with what to do, or null (no known foreign format). */
export function foreignFormat(head: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return `it is a zip archive, which is how PyTorch saves a checkpoint (torch.save): ${EXPORT_ADVICE}`;
  }
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    return `it is a Python pickle (a PyTorch checkpoint saved before torch 1.6): ${EXPORT_ADVICE}`;
  }
  if (head.length >= 9 && head[8] === 0x7b && head[5] === 0 && head[6] === 0 && head[7] === 0) {
    return `it is a safetensors file (weights only, no graph): ${EXPORT_ADVICE}`;
  }
  if (head.length >= 4 && ascii(0, 4) === 'GGUF') return `it is a GGUF file (llama.cpp): HELENE Studio trains ONNX models; ${EXPORT_ADVICE}`;
  if (head.length >= 8 && head[0] === 0x89 && ascii(1, 4) === 'HDF') return `it is an HDF5 file (Keras): convert the model to ONNX (tf2onnx) and point model.path at the .onnx file`;
  return null;
}

/** The first bytes of a file (fewer when it is shorter). */
export function fileHead(path: string, bytes = 16): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(bytes);
    const read = readSync(fd, head, 0, bytes, 0);
    return head.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
