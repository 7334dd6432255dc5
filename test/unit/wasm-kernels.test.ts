/** The hand-written WebAssembly kernels' committed bytes, and the environment switch of their JS fallback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WASM_KERNELS, generatedSource } from '../../scripts/wasm-kernels';
import { instantiateSimd, kernelChoiceFromEnv } from '../../runtime/wasm/simd-module';

const REPO = path.resolve(__dirname, '../..');

test('every committed kernel module is the wabt assembly of its .wat (else: npm run gen:wasm)', async () => {
  assert.ok(WASM_KERNELS.length >= 2);
  for (const kernel of WASM_KERNELS) {
    const committed = fs.readFileSync(path.join(REPO, kernel.module), 'utf8');
    assert.equal(committed, await generatedSource(REPO, kernel), `${kernel.module} is stale: run npm run gen:wasm`);
  }
});

test('an engine that refuses SIMD, or has no WebAssembly, gets no kernel', () => {
  // (module (func (export "f") (result v128) (v128.const i32x4 1 2 3 4))), assembled by wabt: valid
  // only where SIMD is.
  const simdOnly = 'AGFzbQEAAAABBQFgAAF7AwIBAAcFAQFmAAAKFgEUAP0MAQAAAAIAAAADAAAABAAAAAs=';
  assert.ok(instantiateSimd(simdOnly) !== undefined, 'this Node runs WebAssembly SIMD');
  const refusing = Object.create(WebAssembly, { validate: { value: () => false } }) as typeof WebAssembly;
  assert.equal(instantiateSimd(simdOnly, { WebAssembly: refusing }), undefined);
  assert.equal(instantiateSimd(simdOnly, {}), undefined);
  const throwing = Object.create(WebAssembly, { Module: { value: function () { throw new Error('no simd'); } } }) as typeof WebAssembly;
  assert.equal(instantiateSimd(simdOnly, { WebAssembly: throwing }), undefined);
});

test('kernel choice from the environment: js forces the fallback, anything else is auto (with one message)', () => {
  assert.equal(kernelChoiceFromEnv('HELENE_Z_KERNEL', undefined), 'auto');
  assert.equal(kernelChoiceFromEnv('HELENE_Z_KERNEL', ''), 'auto');
  assert.equal(kernelChoiceFromEnv('HELENE_Z_KERNEL', 'auto'), 'auto');
  assert.equal(kernelChoiceFromEnv('HELENE_Z_KERNEL', 'js'), 'js');
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stderr.write;
  try {
    assert.equal(kernelChoiceFromEnv('HELENE_UPDATE_KERNEL', 'wasm'), 'auto');
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(written, ['HELENE_UPDATE_KERNEL: unknown value "wasm" (expected "js" or "auto"); using auto\n']);
});
