/**
 * Checkpoints: everything a run needs to continue bit-exactly — step, data cursor, accounting
 * counters, the live optimizer config (hyperparameters changed mid-run included), trainable weights
 * and optimizer state tensors. Random directions need nothing: z is a pure function of (run seed,
 * step, layer, element).
 *
 * File format (checkpoints/step-<t>.ckpt), little-endian:
 *   "HELCKPT1" | uint32 header length | header JSON (utf8) | padding to 8 bytes | tensor bytes
 * The header lists each tensor's name, dtype, length and byte offset, and an FNV-1a checksum of the
 * tensor bytes, so a truncated or corrupted file is detected and skipped on resume. Files are
 * written atomically (temp file, every byte, fsync, rename) and read back before older ones are
 * pruned: a crash or a full disk mid-write leaves the previous one intact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalRecord, OptimizerConfig } from '../protocol';
import type { BatchCursor } from '../data/batcher';
import { writeFileAtomic } from './atomic-write';
import { DiskFaultError } from './disk-fault';

export const MAGIC = 'HELCKPT1';

/** A checkpointed tensor: float32, float64, or bfloat16 bit patterns (optimizer.stateDtype "bfloat16"), stored as is. */
export type CheckpointTensor = Float32Array | Float64Array | Uint16Array;
type TensorDtype = 'float32' | 'float64' | 'bfloat16';

const DTYPE_BYTES: Record<TensorDtype, number> = { float32: 4, float64: 8, bfloat16: 2 };

function dtypeOf(arr: CheckpointTensor): TensorDtype {
  return arr instanceof Float64Array ? 'float64' : arr instanceof Uint16Array ? 'bfloat16' : 'float32';
}

function arrayOf(dtype: TensorDtype, buffer: ArrayBuffer): CheckpointTensor {
  return dtype === 'float64' ? new Float64Array(buffer) : dtype === 'bfloat16' ? new Uint16Array(buffer) : new Float32Array(buffer);
}
export const CHECKPOINT_DIR = 'checkpoints';

export interface TrainerCounters {
  step: number;
  forwardPasses: number;
  /** Evaluation passes among forwardPasses (absent in checkpoints written before the field: read as 0). */
  evalPasses?: number;
  examples: number;
  skipped: number;
  wallMs: number;
  lastLoss: number | null;
  lastEval: EvalRecord | null;
  bestEval: EvalRecord | null;
}

export interface CheckpointHeader {
  version: 1;
  createdAt: string;
  counters: TrainerCounters;
  cursor: BatchCursor;
  optimizer: OptimizerConfig;
  tensors: { name: string; dtype: TensorDtype; length: number; offset: number }[];
  checksum: number;
  /** See CheckpointData.lossFinite; absent in checkpoints written before the field (read as null). */
  lossFinite?: boolean | null;
}

export interface CheckpointData {
  counters: TrainerCounters;
  cursor: BatchCursor;
  optimizer: OptimizerConfig;
  /** "theta/<layer>" and "<state>/<index>" tensors. */
  tensors: Map<string, CheckpointTensor>;
  /**
   * Was the loss at these weights seen? true: seen finite; false: seen non-finite (a NaN stop marks
   * it so: resuming from it fails at its first step whatever the lr, so resume and export skip it);
   * null: not evaluated yet (a periodic checkpoint: its weights' loss comes with the next step).
   */
  lossFinite?: boolean | null;
}

export function fnv1a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash >>> 0;
}

export function encodeCheckpoint(data: CheckpointData): Buffer {
  const entries = [...data.tensors.entries()];
  let offset = 0;
  const tensors = entries.map(([name, arr]) => {
    const entry = { name, dtype: dtypeOf(arr), length: arr.length, offset };
    offset += arr.byteLength + ((8 - (arr.byteLength % 8)) % 8);
    return entry;
  });
  const body = Buffer.alloc(offset);
  entries.forEach(([, arr], i) => Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).copy(body, tensors[i].offset));
  const header: CheckpointHeader = {
    version: 1,
    createdAt: new Date().toISOString(),
    counters: data.counters,
    cursor: data.cursor,
    optimizer: data.optimizer,
    tensors,
    checksum: fnv1a(body),
    lossFinite: data.lossFinite ?? null,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefixLength = MAGIC.length + 4 + headerBytes.length;
  const padding = (8 - (prefixLength % 8)) % 8;
  const prefix = Buffer.alloc(prefixLength + padding);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(prefix, MAGIC.length + 4);
  return Buffer.concat([prefix, body]);
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function decodeCheckpoint(bytes: Buffer, source: string): CheckpointData {
  if (bytes.length < 12 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new CheckpointError(`${source} is not a HELENE checkpoint`);
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw new CheckpointError(`${source} is truncated (header)`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, headerEnd)) as CheckpointHeader;
  } catch (e) {
    throw new CheckpointError(`${source} has a corrupt header: ${(e as Error).message}`);
  }
  const bodyStart = headerEnd + ((8 - (headerEnd % 8)) % 8);
  const body = bytes.subarray(bodyStart);
  const last = header.tensors[header.tensors.length - 1];
  const needed = last ? last.offset + last.length * (DTYPE_BYTES[last.dtype] ?? 4) : 0;
  if (body.length < needed) throw new CheckpointError(`${source} is truncated (${body.length} of ${needed} data bytes)`);
  if (fnv1a(body) !== header.checksum) throw new CheckpointError(`${source} fails its checksum (corrupted)`);
  const tensors = new Map<string, CheckpointTensor>();
  for (const t of header.tensors) {
    if (!(t.dtype in DTYPE_BYTES)) throw new CheckpointError(`${source}: tensor "${t.name}" has an unknown dtype "${t.dtype}"`);
    // Copy into fresh, aligned arrays: the file buffer's offsets need not be aligned.
    const copy = new Uint8Array(t.length * DTYPE_BYTES[t.dtype]);
    copy.set(body.subarray(t.offset, t.offset + copy.length));
    tensors.set(t.name, arrayOf(t.dtype, copy.buffer));
  }
  return { counters: header.counters, cursor: header.cursor, optimizer: header.optimizer, tensors, lossFinite: header.lossFinite ?? null };
}

export function checkpointFile(runDir: string, step: number): string {
  return path.join(runDir, CHECKPOINT_DIR, `step-${String(step).padStart(9, '0')}.ckpt`);
}

/** Checkpoint files of a run, newest first. */
export function listCheckpoints(runDir: string): { file: string; step: number }[] {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^step-(\d+)\.ckpt$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: path.join(dir, m[0]), step: Number(m[1]) }))
    .sort((a, b) => b.step - a.step);
}

/** Checksum of a file read back in 1 MiB chunks (bounded memory for large checkpoints). */
function fileChecksum(file: string): { size: number; checksum: number } {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let size = 0;
  let hash = 0x811c9dc5;
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, size);
      if (n === 0) break;
      hash = fnv1a(chunk.subarray(0, n), hash);
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size, checksum: hash };
}

/**
 * Write atomically, read the file back (size and checksum) and only then prune to the newest
 * `keep`. A failed or unverifiable write removes the new file and throws; older files stay, and the
 * newest verified one is never pruned.
 */
export function saveCheckpoint(runDir: string, data: CheckpointData, keep: number): string {
  const file = checkpointFile(runDir, data.counters.step);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const bytes = encodeCheckpoint(data);
  writeFileAtomic(file, bytes);
  const back = fileChecksum(file);
  if (back.size !== bytes.length || back.checksum !== fnv1a(bytes)) {
    fs.rmSync(file, { force: true });
    throw new DiskFaultError(file, 'EIO', `checkpoint ${file} did not read back as written (${back.size} of ${bytes.length} bytes${back.size === bytes.length ? ', checksum differs' : ''})`);
  }
  // Prune only older checkpoints: the one just verified is always kept.
  const older = listCheckpoints(runDir).filter((c) => c.step < data.counters.step);
  for (const old of older.slice(Math.max(0, keep - 1))) fs.rmSync(old.file, { force: true });
  return file;
}

export const NOT_GOOD_REASON = 'its weights gave a non-finite loss (marked not good at a NaN stop)';

/**
 * The newest checkpoint that decodes, passes its checksum and is not marked not good (lossFinite
 * false); skipped ones are reported, not fatal.
 */
export function loadLatestCheckpoint(runDir: string, onSkip?: (file: string, reason: string) => void): { file: string; data: CheckpointData } | null {
  for (const { file } of listCheckpoints(runDir)) {
    try {
      const data = decodeCheckpoint(fs.readFileSync(file), file);
      if (data.lossFinite === false) onSkip?.(file, NOT_GOOD_REASON);
      else return { file, data };
    } catch (e) {
      onSkip?.(file, (e as Error).message);
    }
  }
  return null;
}

/** The kept checkpoint of exactly `step` (resume --from-step); a clear error listing the kept steps otherwise. */
export function loadCheckpointAt(runDir: string, step: number): { file: string; data: CheckpointData } {
  const kept = listCheckpoints(runDir);
  const found = kept.find((c) => c.step === step);
  const steps = kept.length ? `kept checkpoints: step ${kept.map((c) => c.step).join(', ')}` : 'it keeps no checkpoint';
  if (!found) throw new CheckpointError(`${runDir} has no checkpoint at step ${step}; ${steps}`);
  const data = decodeCheckpoint(fs.readFileSync(found.file), found.file);
  if (data.lossFinite === false) throw new CheckpointError(`the checkpoint at step ${step} cannot be resumed: ${NOT_GOOD_REASON}; ${steps}`);
  return { file: found.file, data };
}

/** Step, last train loss and lossFinite of each kept checkpoint, newest first, from the headers only (Runs view picker). */
export function describeCheckpoints(runDir: string): { step: number; file: string; lastLoss: number | null; lossFinite: boolean | null; lr: number }[] {
  const out: { step: number; file: string; lastLoss: number | null; lossFinite: boolean | null; lr: number }[] = [];
  for (const { file, step } of listCheckpoints(runDir)) {
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const prefix = Buffer.alloc(MAGIC.length + 4);
        fs.readSync(fd, prefix, 0, prefix.length, 0);
        if (prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) continue;
        const header = Buffer.alloc(prefix.readUInt32LE(MAGIC.length));
        fs.readSync(fd, header, 0, header.length, prefix.length);
        const h = JSON.parse(header.toString('utf8')) as CheckpointHeader;
        out.push({ step, file, lastLoss: h.counters.lastLoss, lossFinite: h.lossFinite ?? null, lr: h.optimizer.lr });
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // An unreadable header: not offered (resume would skip it too).
    }
  }
  return out;
}
