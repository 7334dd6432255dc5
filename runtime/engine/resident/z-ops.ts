/**
 * z in ONNX ops: the resident step's Gaussian directions, generated where the weights live (on the
 * GPU under WebGPU, on the CPU in CI) from the step's layer keys, so no θ-sized vector crosses the
 * host boundary. A pure function of (run seed, step, layer, element):
 *
 *   key_i         = zKey(stepSeed(run, t), i)               (host: two Threefry-20 calls per layer, ../../rng/seeds.ts)
 *   (w0, w1)      = Threefry-2x32-13(ctr = (p, 0), key_i)   for the pair p = ⌊j/2⌋ — the same hash, the
 *                   same counters and the same words as the CPU z stream (../../rng/normal.ts): bit-exact,
 *                   checked against threefry2x32_13 in the tests
 *   u1            = ((w0 >> 8) + 0.5) · 2^-24,  φ = (w1 >> 8) · 2π·2^-24
 *   z_2p, z_2p+1  = √(−2 ln u1) · (cos φ, sin φ)            (Box–Muller)
 *
 * Why not the CPU path's ziggurat: its rejection loop (wedge retries, tail draws) is data-dependent
 * and unbounded per element, and ONNX has no cheap per-element loop; unrolling a fixed number of
 * retries would still differ from the CPU stream with small probability. Box–Muller is exactly
 * Gaussian and branch-free, one hash per two elements. So the resident z is a different N(0, I)
 * sample than the CPU path's for the same seed (docs/gpu.md), and z-reference.ts is its JS port.
 *
 * Integer ops on onnxruntime-node 1.30's CPU EP (measured, bench/gpu/int-ops.ts): Add, Sub, Mul,
 * Div, Mod, Cast run for uint32, int32, int64 and uint64 (uint32 Add and Mul wrap modulo 2^32);
 * BitShift runs for uint32 and uint64 only (the ONNX spec has no signed BitShift); BitwiseXor/And/Or
 * run for all four but only in opset 18 (the resident graphs' opset). So the hash is uint32 throughout.
 * The WebGPU EP has no BitShift or Bitwise* kernels, so under WebGPU the same hash is spelled with
 * Add/Sub/Mul/Div and a byte-XOR table (bit-ops.ts): the same words, bit for bit.
 */
import { type GraphBuilder, intAttr } from '../../onnx/graph-builder';
import { bitOps, type BitOps, type BitOpsKind } from './bit-ops';
import { DataType } from '../../onnx/onnx-types';
import { THREEFRY_PARITY32 } from '../../rng/threefry';
import { f32, i64, i64s, u32 } from './onnx-consts';
import { boundedConcat, boundedSplit } from './bounded-fan';

/** 2π / 2^24 as float32: φ = (w1 >> 8) · this covers [0, 2π). */
export const BOX_MULLER_ANGLE_STEP = Math.fround((2 * Math.PI) / 16777216);

/**
 * Threefry-2x32-13 on uint32 tensors (Random123 threefry2x32_R(13)): counters ctr0 (any shape), ctr1 = 0,
 * key (k0, k1) uint32 scalars. Returns the names of the two output words, shaped like ctr0.
 */
export function appendThreefry13(b: GraphBuilder, ctr0: string, k0: string, k1: string, ops: BitOps): [string, string] {
  const k2 = ops.xor(ops.xor(u32(b, THREEFRY_PARITY32), k0), k1);
  const ks = [k0, k1, k2];
  let x0 = b.op('Add', [ctr0, k0]);
  let x1 = k1; // ctr1 = 0: 0 + k1
  const rotations = [13, 15, 26, 6, 17, 29, 16, 24];
  for (let round = 0; round < 13; round++) {
    x0 = b.op('Add', [x0, x1]);
    x1 = ops.xor(ops.rotl(x1, rotations[round % 8]), x0);
    if (round % 4 === 3) {
      // Key injection s after rounds 4, 8, 12: (ks[s % 3], ks[(s + 1) % 3] + s).
      const s = (round + 1) / 4;
      x0 = b.op('Add', [x0, ks[s % 3]]);
      x1 = b.op('Add', [x1, b.op('Add', [ks[(s + 1) % 3], u32(b, s)])]);
    }
  }
  return [x0, x1];
}

/** The float32 in (0, 1) or [0, 2π) from the top 24 bits of a word, as Box–Muller takes them. */
function top24(b: GraphBuilder, w: string, ops: BitOps): string {
  return b.op('Cast', [ops.shr(w, 8)], [intAttr('to', DataType.FLOAT)]);
}

export interface ZLayer {
  size: number;
  shape: number[];
}

/**
 * z of every layer from its key (row i of the uint32 [L, 2] input `keys`), hashed as ONE vector: the
 * counters and keys of all layers are concatenated (pair p of layer i gets counter p and key i), so the
 * ~100 hash and Box–Muller nodes exist once, not once per layer — on a GPU every node is a kernel
 * launch, and a 50M-parameter transformer has ~200 trainable tensors. Per layer there remain the key
 * gathers, its counter Range, two Expands, and the Split/Reshape back to its shape (~8 nodes).
 * Returns per layer the float z name, and (with `words`) the names of its hash words.
 *
 * One vector has a limit: WebGPU binds a buffer of at most `maxStorageBufferBindingSize` (≤ 4 GiB,
 * often less), and at 1.3 B parameters the vector's words would be 2.6 GB and z 5.2 GB. So consecutive
 * layers are grouped into chunks of at most `maxPairs` pairs (default 2^27: 512 MiB per word buffer,
 * 1 GiB of z), each hashed as one vector; a layer above the limit is a chunk of its own. The values do
 * not depend on the chunking (a pair's counter and key are its layer's).
 */
export const Z_CHUNK_PAIRS = 2 ** 27;

export function appendAllZ(b: GraphBuilder, keys: string, layers: ZLayer[], words = false, maxPairs = Z_CHUNK_PAIRS, bits: BitOpsKind = 'native'): { z: string; w0?: string; w1?: string }[] {
  const ops = bitOps(b, bits);
  const chunks: number[][] = [];
  let pairsInChunk = 0;
  layers.forEach((l, i) => {
    const pairs = Math.ceil(l.size / 2);
    if (chunks.length === 0 || pairsInChunk + pairs > maxPairs) {
      chunks.push([]);
      pairsInChunk = 0;
    }
    chunks.at(-1)!.push(i);
    pairsInChunk += pairs;
  });
  const out: { z: string; w0?: string; w1?: string }[] = [];
  chunks.forEach((members, c) => appendZChunk(b, keys, layers, members, chunks.length === 1 ? 'z' : `z/c${c}`, words, ops).forEach((z, k) => (out[members[k]] = z)));
  return out;
}

/** One hashed vector for the layers `members` (indices into `layers`, which are the key rows); names under `prefix`. */
function appendZChunk(b: GraphBuilder, keys: string, all: ZLayer[], members: number[], prefix: string, words: boolean, ops: BitOps): { z: string; w0?: string; w1?: string }[] {
  const layers = members.map((i) => all[i]);
  const pairs = layers.map((l) => Math.ceil(l.size / 2));
  const counters: string[] = [];
  const key0s: string[] = [];
  const key1s: string[] = [];
  members.forEach((globalIndex, i) => {
    const row = b.op('Gather', [keys, i64(b, globalIndex)], [intAttr('axis', 0)], `z${globalIndex}/key`);
    const n = i64s(b, [pairs[i]]);
    key0s.push(b.op('Expand', [b.op('Gather', [row, i64(b, 0)], [intAttr('axis', 0)], `z${globalIndex}/k0`), n]));
    key1s.push(b.op('Expand', [b.op('Gather', [row, i64(b, 1)], [intAttr('axis', 0)], `z${globalIndex}/k1`), n]));
    counters.push(b.op('Range', [i64(b, 0), i64(b, pairs[i]), i64(b, 1)], [], `z${globalIndex}/pair`));
  });
  const concat = (names: string[], out: string) => (names.length === 1 ? names[0] : boundedConcat(b, names, 0, out));
  const counter = b.op('Cast', [concat(counters, `${prefix}/pairs_i64`)], [intAttr('to', DataType.UINT32)], `${prefix}/pairs`);
  const [w0, w1] = appendThreefry13(b, counter, concat(key0s, `${prefix}/key0`), concat(key1s, `${prefix}/key1`), ops);
  const u1 = b.op('Mul', [b.op('Add', [top24(b, w0, ops), f32(b, 0.5)]), f32(b, 2 ** -24)]);
  const radius = b.op('Sqrt', [b.op('Mul', [b.op('Log', [u1]), f32(b, -2)])]);
  const angle = b.op('Mul', [top24(b, w1, ops), f32(b, BOX_MULLER_ANGLE_STEP)]);
  const even = b.op('Unsqueeze', [b.op('Mul', [radius, b.op('Cos', [angle])]), i64s(b, [1])]);
  const odd = b.op('Unsqueeze', [b.op('Mul', [radius, b.op('Sin', [angle])]), i64s(b, [1])]);
  const flat = b.op('Reshape', [b.op('Concat', [even, odd], [intAttr('axis', 1)]), i64s(b, [-1])], [], `${prefix}/all`);
  const zParts = boundedSplit(b, flat, pairs.map((p) => 2 * p), `${prefix}/part`);
  const w0Parts = words ? boundedSplit(b, w0, pairs, `${prefix}/w0`) : [];
  const w1Parts = words ? boundedSplit(b, w1, pairs, `${prefix}/w1`) : [];
  return layers.map((layer, i) => {
    const part = layer.size === 2 * pairs[i] ? zParts[i] : b.op('Slice', [zParts[i], i64s(b, [0]), i64s(b, [layer.size])]);
    const z = b.op('Reshape', [part, i64s(b, layer.shape)], [], `z${members[i]}/z`);
    return words ? { z, w0: w0Parts[i], w1: w1Parts[i] } : { z };
  });
}
