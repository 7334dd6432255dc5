/**
 * A model.path that is not ONNX but a PyTorch checkpoint or a safetensors file (what a new user
 * has before exporting) is named as such, with what to do, by both model readers (train's streamed
 * reader and inspect's); no real ONNX file is taken for one (every committed .onnx fixture).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModel } from '../../runtime/onnx/model-io';
import { readModelStructure } from '../../runtime/onnx/model-structure';
import { fileHead, foreignFormat } from '../../runtime/onnx/foreign-formats';

const WRONG = path.join(__dirname, '..', 'fixtures', 'newuser6', 'not-onnx');
const FIXTURES = path.join(__dirname, '..', 'fixtures');

const cases: [string, RegExp][] = [
  ['checkpoint.pt', /is not an ONNX model: it is a zip archive, which is how PyTorch saves a checkpoint \(torch\.save\): export it with torch\.onnx\.export/],
  ['legacy-checkpoint.pt', /is not an ONNX model: it is a Python pickle \(a PyTorch checkpoint saved before torch 1\.6\): export it/],
  ['model.safetensors', /is not an ONNX model: it is a safetensors file \(weights only, no graph\): export it/],
];

for (const [file, message] of cases) {
  test(`${file} (made by torch / in the safetensors layout) is named by both readers`, () => {
    const full = path.join(WRONG, file);
    assert.throws(() => readModelStructure(full), (e: Error) => e.message.startsWith(full) && message.test(e.message));
    assert.throws(() => readModel(full), (e: Error) => e.message.startsWith(full) && message.test(e.message));
  });
}

test('no committed ONNX fixture looks like a foreign format', () => {
  const onnx: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.onnx')) onnx.push(full);
    }
  };
  walk(FIXTURES);
  assert.ok(onnx.length >= 15, `found ${onnx.length} .onnx fixtures`);
  for (const file of onnx) assert.equal(foreignFormat(fileHead(file)), null, file);
});
