/**
 * The uint32 bit operations of the z graph's Threefry hash, in two spellings with the same bits:
 *
 * - 'native': ONNX BitShift / BitwiseXor / BitwiseOr (opset 18). The CPU EP runs them.
 * - 'arithmetic': only Add, Sub, Mul, Div, Cast and Gather, which onnxruntime's WebGPU EP has kernels
 *   for. It has none for BitShift or Bitwise* (its kernel registry; on an H100 the z graph's 56
 *   bit-op nodes per chunk fell back to the CPU EP, moving the hash vectors down and up around each:
 *   the z graph took 29x two forwards, docs/gpu.md).
 *     x << r      = x · 2^r                  (uint32 Mul wraps modulo 2^32)
 *     x >> r      = ⌊x / 2^r⌋                (uint32 Div)
 *     rotl(x, r)  = x · 2^r + ⌊x / 2^(32−r)⌋  (the two parts share no bit, so + is |)
 *     a ^ c       = Σ_k XOR8[a_k·256 + c_k] · 256^k over the bytes a_k, c_k (a 65,536-entry table, Gather)
 * Both are tested bit for bit against threefry2x32_13 on the CPU EP.
 */
import { type GraphBuilder, stringAttr, intAttr } from '../../onnx/graph-builder';
import { DataType } from '../../onnx/onnx-types';
import { u32, u32Table } from './onnx-consts';

export type BitOpsKind = 'native' | 'arithmetic';

export interface BitOps {
  shr(x: string, r: number): string;
  rotl(x: string, r: number): string;
  xor(a: string, c: string): string;
}

export function bitOps(b: GraphBuilder, kind: BitOpsKind): BitOps {
  return kind === 'native' ? nativeBitOps(b) : arithmeticBitOps(b);
}

function nativeBitOps(b: GraphBuilder): BitOps {
  const shift = (x: string, r: number, direction: 'LEFT' | 'RIGHT') => b.op('BitShift', [x, u32(b, r)], [stringAttr('direction', direction)]);
  return {
    shr: (x, r) => shift(x, r, 'RIGHT'),
    rotl: (x, r) => b.op('BitwiseOr', [shift(x, r, 'LEFT'), shift(x, 32 - r, 'RIGHT')]),
    xor: (a, c) => b.op('BitwiseXor', [a, c]),
  };
}

/** The XOR of two bytes, indexed by a·256 + c. */
function xor8Table(): Uint32Array {
  const t = new Uint32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = (i >>> 8) ^ (i & 255);
  return t;
}

function arithmeticBitOps(b: GraphBuilder): BitOps {
  const shr = (x: string, r: number) => b.op('Div', [x, u32(b, 2 ** r)]);
  const shl = (x: string, r: number) => b.op('Mul', [x, u32(b, 2 ** r)]);
  /** The four bytes of x, low first: b_k = ⌊x / 256^k⌋ − 256·⌊x / 256^(k+1)⌋. */
  const bytes = (x: string) => {
    const q = [x, shr(x, 8), shr(x, 16), shr(x, 24)];
    return q.map((qk, k) => (k === 3 ? qk : b.op('Sub', [qk, shl(q[k + 1]!, 8)])));
  };
  return {
    shr,
    rotl: (x, r) => b.op('Add', [shl(x, r), shr(x, 32 - r)]),
    xor: (a, c) => {
      const [ab, cb] = [bytes(a), bytes(c)];
      const parts = ab.map((ak, k) => {
        const index = b.op('Cast', [b.op('Add', [shl(ak, 8), cb[k]!])], [intAttr('to', DataType.INT32)]);
        const x = b.op('Gather', [u32Table(b, 'c.xor8', xor8Table), index], [intAttr('axis', 0)]);
        return k === 0 ? x : shl(x, 8 * k);
      });
      return parts.reduce((acc, p) => b.op('Add', [acc, p]));
    },
  };
}
