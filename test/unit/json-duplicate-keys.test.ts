import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicateKey } from '../../runtime/protocol/json-duplicate-keys';

test('a key repeated in one object is found with its dotted path and line', () => {
  assert.deepEqual(findDuplicateKey('{\n  "optimizer": {\n    "lr": 0.1,\n    "lr": 0.2\n  }\n}'), { path: 'optimizer.lr', line: 4 });
  assert.deepEqual(findDuplicateKey('{"seed": 1, "seed": 2}'), { path: 'seed', line: 1 });
});

test('equal keys in different objects, keys inside strings and escaped keys are not duplicates', () => {
  assert.equal(findDuplicateKey('{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 1}, {"x": 2}]}'), null);
  assert.equal(findDuplicateKey('{"a": "\\"a\\": 1", "b": "{\\"a\\":2}"}'), null);
  assert.deepEqual(findDuplicateKey('{"l\\u0072": 1, "lr": 2}'), { path: 'lr', line: 1 });
  assert.deepEqual(findDuplicateKey('{"runs": [{"id": 1, "id": 2}]}'), { path: 'runs.[].id', line: 1 });
});
