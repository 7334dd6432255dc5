/**
 * float16 and bfloat16 ⇄ float32, element by element (IEEE 754 half; bfloat16 = the top 16 bits of a
 * float32, rounded to nearest even). Used to read half-precision weights into float32 training
 * buffers and to write trained float32 values back in the stored type.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the implicit-1 mantissa, round to nearest even.
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let result = m >> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && result & 1)) result++;
    return sign | result;
  }
  let result = sign | (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  return result;
}

export function bfloat16ToFloat(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

export function floatToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Decodes `count` little-endian 16-bit values at `bytes` into `out` starting at `outOffset`. */
export function decode16(bytes: Uint8Array, out: Float32Array, outOffset: number, bfloat: boolean): void {
  const count = bytes.byteLength >> 1;
  for (let i = 0; i < count; i++) {
    const bits = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    out[outOffset + i] = bfloat ? bfloat16ToFloat(bits) : halfToFloat(bits);
  }
}

/** Encodes float32 values as little-endian 16-bit values. */
export function encode16(values: Float32Array, bfloat: boolean): Buffer {
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(bfloat ? floatToBfloat16(values[i]) : floatToHalf(values[i]), 2 * i);
  return out;
}
