/**
 * The host perturbation's SIMD kernel (runtime/engine/perturb-simd.wat) writes the same bits as the
 * JS loop that defines it, which computes what the graph's float32 Mul and Add compute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perturbInto, perturbJs, setPerturbKernel, SIMD_PERTURB_MIN_ELEMENTS } from '../../runtime/engine/host-perturbation';
import { testValues } from './lm-helpers';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('the SIMD perturbation equals the JS loop bit for bit: sizes around the vector width, the JS cut-off and the kernel chunk; both signs; subnormal, zero and huge values', () => {
  assert.equal(setPerturbKernel('auto'), 'simd', 'this Node has WebAssembly SIMD');
  const sizes = [0, 1, 3, 4, 5, 255, 256, 257, 1023, 65535, 65536, 65537, 131_075];
  for (const size of sizes) {
    const theta = testValues(size, 3 + size, 2);
    const dir = testValues(size, 7 + size, 4);
    // Values where rounding matters: subnormals, signed zeros, products that overflow float32.
    const special = [1e-45, -1e-45, 0, -0, 3e38, -3e38, 1.17549435e-38];
    for (let k = 0; k < Math.min(size, special.length); k++) {
      theta[size - 1 - k] = special[k]!;
      dir[k] = special[special.length - 1 - k]! * 1e3;
    }
    for (const scale of [1e-3, -1e-3, 0, 0.1 + 1e-9, -7.3e5]) {
      const simd = new Float32Array(size);
      const js = new Float32Array(size);
      perturbInto(simd, theta, dir, scale);
      perturbJs(js, theta, dir, scale);
      assert.ok(bits(simd).equals(bits(js)), `size ${size}, scale ${scale}`);
    }
  }
  assert.ok(SIMD_PERTURB_MIN_ELEMENTS <= 256);
});

test('HELENE_PERTURB_KERNEL-style switch: js forces the loop, auto takes the kernel back', () => {
  assert.equal(setPerturbKernel('js'), 'js');
  const theta = testValues(1000, 1, 1);
  const dir = testValues(1000, 2, 1);
  const a = new Float32Array(1000);
  perturbInto(a, theta, dir, 1e-3);
  assert.equal(setPerturbKernel('auto'), 'simd');
  const b = new Float32Array(1000);
  perturbInto(b, theta, dir, 1e-3);
  assert.ok(bits(a).equals(bits(b)));
});
