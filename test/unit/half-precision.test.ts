import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../../runtime/onnx/half-precision';

test('float16: known bit patterns decode and encode exactly, rounding to nearest even', () => {
  const known: [number, number][] = [[0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x0400, 2 ** -14], [0x3555, 0.333251953125], [0x0000, 0]];
  for (const [bits, value] of known) {
    assert.equal(halfToFloat(bits), value, `0x${bits.toString(16)}`);
    assert.equal(floatToHalf(value), bits, `${value}`);
  }
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(floatToHalf(1e6), 0x7c00, 'overflow is infinity');
  // 1 + 2^-11 is half-way between 1 and the next half (1 + 2^-10): ties go to the even mantissa (1).
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00);
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02);
  for (let bits = 0; bits < 0x7c00; bits += 7) assert.equal(floatToHalf(halfToFloat(bits)), bits, `round trip 0x${bits.toString(16)}`);
});

test('bfloat16: the top 16 bits of float32, rounded to nearest even', () => {
  assert.equal(bfloat16ToFloat(0x3f80), 1);
  assert.equal(floatToBfloat16(1), 0x3f80);
  assert.equal(floatToBfloat16(-2), 0xc000);
  assert.equal(floatToBfloat16(1 + 2 ** -8), 0x3f80, 'tie to even');
  assert.equal(floatToBfloat16(1 + 3 * 2 ** -8), 0x3f82);
  assert.ok(Number.isNaN(bfloat16ToFloat(floatToBfloat16(NaN))));
});
