/**
 * A checkpoint read tensor by tensor from its file (for `export` of models too big to hold twice):
 * the header is parsed and the body's checksum verified in 1 MiB chunks, then each tensor is read
 * at its offset into a fresh array only when asked. The same files, the same checks and the same
 * choice of checkpoint as loadLatestCheckpoint (checkpoint.ts), which decodes everything at once.
 */
import * as fs from 'node:fs';
import { CheckpointError, fnv1a, listCheckpoints, MAGIC, NOT_GOOD_REASON, type CheckpointHeader } from './checkpoint';

const CHUNK = 1 << 20;
const BYTES_PER: Record<string, number> = { float32: 4, float64: 8, bfloat16: 2 };

export interface CheckpointOnDisk {
  file: string;
  header: CheckpointHeader;
  /** Element counts by tensor name. */
  sizes: Map<string, number>;
  /** A float32 tensor, read from the file now. */
  readFloat32(name: string): Float32Array;
  close(): void;
}

function readExactly(fd: number, into: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = fs.readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new CheckpointError(`${file} is truncated`);
    done += n;
  }
}

/** Opens and verifies one checkpoint file (throws CheckpointError naming it). */
export function openCheckpoint(file: string): CheckpointOnDisk {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(MAGIC.length + 4);
    if (size < prefix.length) throw new CheckpointError(`${file} is not a HELENE checkpoint`);
    readExactly(fd, prefix, 0, file);
    if (prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new CheckpointError(`${file} is not a HELENE checkpoint`);
    const headerEnd = prefix.length + prefix.readUInt32LE(MAGIC.length);
    if (headerEnd > size) throw new CheckpointError(`${file} is truncated (header)`);
    const headerBytes = Buffer.alloc(headerEnd - prefix.length);
    readExactly(fd, headerBytes, prefix.length, file);
    let header: CheckpointHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as CheckpointHeader;
    } catch (e) {
      throw new CheckpointError(`${file} has a corrupt header: ${(e as Error).message}`);
    }
    const bodyStart = headerEnd + ((8 - (headerEnd % 8)) % 8);
    const entries = new Map(header.tensors.map((t) => [t.name, t]));
    const last = header.tensors[header.tensors.length - 1];
    const needed = last ? last.offset + last.length * (BYTES_PER[last.dtype] ?? 4) : 0;
    if (size - bodyStart < needed) throw new CheckpointError(`${file} is truncated (${size - bodyStart} of ${needed} data bytes)`);
    // The checksum covers the whole body, read in chunks: nothing is held.
    const chunk = Buffer.alloc(CHUNK);
    let hash = 0x811c9dc5;
    for (let at = bodyStart; at < size; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(CHUNK, size - at), at);
      if (n === 0) break;
      hash = fnv1a(chunk.subarray(0, n), hash);
      at += n;
    }
    if (hash !== header.checksum) throw new CheckpointError(`${file} fails its checksum (corrupted)`);
    return {
      file,
      header,
      sizes: new Map(header.tensors.map((t) => [t.name, t.length])),
      readFloat32(name: string): Float32Array {
        const entry = entries.get(name);
        if (!entry || entry.dtype !== 'float32') throw new CheckpointError(`${file} has no float32 tensor "${name}"`);
        const out = new Float32Array(entry.length);
        readExactly(fd, new Uint8Array(out.buffer), bodyStart + entry.offset, file);
        return out;
      },
      close: () => fs.closeSync(fd),
    };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** The newest checkpoint that opens, verifies and is not marked not good; skipped ones are reported. */
export function openLatestCheckpoint(runDir: string, onSkip?: (file: string, reason: string) => void): CheckpointOnDisk | null {
  for (const { file } of listCheckpoints(runDir)) {
    let opened: CheckpointOnDisk;
    try {
      opened = openCheckpoint(file);
    } catch (e) {
      onSkip?.(file, (e as Error).message);
      continue;
    }
    if (opened.header.lossFinite === false) {
      opened.close();
      onSkip?.(file, NOT_GOOD_REASON);
      continue;
    }
    return opened;
  }
  return null;
}
