// The watchdog that reopens a webview whose page never starts (VS Code's service worker, see
// extension/panel/webview-load-watchdog.ts): it fires only for a visible page that stays silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebviewLoadWatchdog } from '../../extension/panel/webview-load-watchdog';
import { FakeClock } from './fake-clock';

function setup(timeoutMs = 1000) {
  const clock = new FakeClock();
  let stuck = 0;
  const w = new WebviewLoadWatchdog(() => stuck++, timeoutMs, clock);
  return { clock, w, stuck: () => stuck };
}

test('a visible page that never speaks is reported once, when the timeout has passed', () => {
  const { clock, w, stuck } = setup();
  w.visible();
  clock.advance(999);
  assert.equal(stuck(), 0);
  clock.advance(1);
  assert.equal(stuck(), 1);
  w.visible(); // shown again by the reopened panel's own watchdog, not this one: still counts from now
  clock.advance(5000);
  assert.equal(stuck(), 2, 'a second visible() after firing starts a new wait');
});

test('a page that speaks in time is never reported, however long it stays open', () => {
  const { clock, w, stuck } = setup();
  w.visible();
  clock.advance(900);
  w.spoke();
  clock.advance(10_000);
  w.visible(); // focus moves around: a loaded page is not timed again
  clock.advance(10_000);
  assert.equal(stuck(), 0);
  assert.equal(w.waiting, false);
});

test('the clock runs only while visible: a hidden page (never loaded by VS Code) is not reported', () => {
  const { clock, w, stuck } = setup();
  w.visible();
  clock.advance(600);
  w.hidden();
  clock.advance(10_000);
  assert.equal(stuck(), 0);
  w.visible(); // a fresh wait, not the 600 ms already spent
  clock.advance(600);
  assert.equal(stuck(), 0);
  clock.advance(400);
  assert.equal(stuck(), 1);
});

test('hiding a loaded page starts over: its page is destroyed and must speak again when shown', () => {
  const { clock, w, stuck } = setup();
  w.visible();
  w.spoke();
  w.hidden();
  w.visible();
  clock.advance(1000);
  assert.equal(stuck(), 1);
});

test('nothing is reported after dispose', () => {
  const { clock, w, stuck } = setup();
  w.visible();
  w.dispose();
  clock.advance(5000);
  w.visible();
  clock.advance(5000);
  assert.equal(stuck(), 0);
});
