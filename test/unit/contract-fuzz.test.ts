/**
 * The contract's validators and the config resolver face untrusted input (webview messages, IPC,
 * user files). A bounded fuzz run: whatever the input, they answer ok or a reason / ConfigError —
 * never throw anything else (a crash would take the runtime or the extension down).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig, validateControlCommand, validateRuntimeMessage, validateWebviewIntent } from '../../runtime/protocol';

/** Small deterministic generator of arbitrary JSON-ish values, biased towards plausible shapes. */
function makeRandom(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const keys = ['type', 'command', 'values', 'lr', 'eps', 'k', 'T', 'rho', 'optimizer', 'model', 'data', 'name', 'path', 'train', 'steps', '__proto__', 'constructor', 'kappa', 'records'];
  const strings = ['pause', 'resume', 'stop', 'control', 'ready', 'set-hyperparameters', 'helene', 'mezo', '', 'x'.repeat(300), '(unclosed', 'metrics'];
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.15) return [null, true, false, 0, -1, 1e308, NaN, Infinity, 0.001, 7][Math.floor(next() * 10)];
    if (r < 0.35) return strings[Math.floor(next() * strings.length)];
    if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) o[keys[Math.floor(next() * keys.length)]] = value(depth + 1);
    return o;
  };
  return value;
}

test('validators never throw on 5,000 random messages, and accept only well-formed ones', () => {
  const value = makeRandom(1);
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const msg = value(0);
    for (const validate of [validateWebviewIntent, validateControlCommand, validateRuntimeMessage]) {
      const v = validate(msg);
      assert.ok(v.ok === true || (v.ok === false && typeof v.reason === 'string' && v.reason.length > 0));
      if (v.ok && validate === validateWebviewIntent) {
        accepted++;
        assert.ok(['ready', 'control', 'set-hyperparameters'].includes(v.value.type));
        if (v.value.type === 'set-hyperparameters') for (const x of Object.values(v.value.values)) assert.ok(x === null || Number.isFinite(x));
      }
    }
  }
  assert.ok(accepted > 0, 'the generator also produces valid intents');
});

test('known malformed intents are rejected with a reason', () => {
  assert.deepEqual(validateWebviewIntent({ type: 'control', command: 'explode' }), { ok: false, reason: 'unknown control command "explode"' });
  assert.equal(validateWebviewIntent({ type: 'set-hyperparameters', values: { lr: -1 } }).ok, false);
  assert.match((validateWebviewIntent({ type: 'set-hyperparameters', values: { optimizer: 'x' } }) as { reason: string }).reason, /cannot be changed during a run/);
  assert.equal(validateWebviewIntent('pause').ok, false);
  assert.equal(validateControlCommand({ type: 'set-hyperparameters', values: { k: 2.5 } }).ok, false);
  assert.deepEqual(validateControlCommand({ type: 'set-hyperparameters', values: { lr: 0.01, rho: null } }), { ok: true, value: { type: 'set-hyperparameters', values: { lr: 0.01, rho: null } } });
});

test('resolveConfig never throws anything but ConfigError on 3,000 random configs', () => {
  const value = makeRandom(2);
  for (let i = 0; i < 3000; i++) {
    const user = value(0);
    try {
      resolveConfig(user);
    } catch (e) {
      assert.ok(e instanceof ConfigError, `unexpected ${(e as Error)?.name}: ${(e as Error)?.message} for ${JSON.stringify(user)}`);
      assert.ok(e.issues.length > 0);
    }
  }
});
