import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PREFETCH_MAX_ELEMENTS, prefetchDirectionsOn } from '../../runtime/run/prefetch-rule';

test('prefetchDirections auto: on only when onnxruntime leaves a core free and the staging buffer is within the cap; on/off as set', () => {
  assert.equal(prefetchDirectionsOn({ threads: 1, prefetchDirections: 'auto' }, 1e6, 2), true, '1 ORT thread on 2 cores');
  assert.equal(prefetchDirectionsOn({ threads: 2, prefetchDirections: 'auto' }, 1e6, 2), false, 'ORT on every core');
  assert.equal(prefetchDirectionsOn({ threads: 0, prefetchDirections: 'auto' }, 1e6, 2), false, "ORT's default uses every core");
  assert.equal(prefetchDirectionsOn({ threads: 1, prefetchDirections: 'auto' }, PREFETCH_MAX_ELEMENTS + 1, 2), false, 'too large to stage');
  assert.equal(prefetchDirectionsOn({ threads: 2 }, 1e6, 4), true, 'a config from before the key is auto');
  assert.equal(prefetchDirectionsOn({ threads: 2, prefetchDirections: 'on' }, 1e9, 2), true);
  assert.equal(prefetchDirectionsOn({ threads: 1, prefetchDirections: 'off' }, 1, 8), false);
});
