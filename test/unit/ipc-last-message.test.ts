// The runtime's last IPC messages reach the extension host (e2e e-resume once stayed at
// "49,000/50,000 running": the final metrics, status and 'done' never arrived). A real child process
// and a real IPC channel: the child (fixtures-ipc/burst-runtime.ts, the real runtime/cli/ipc.ts)
// sends far more than the socket buffers, then its final status and 'done', and lets go of the
// channel; the parent is the extension's own supervisor (RuntimeProcess).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeProcess } from '../../extension/runtime-process';
import type { RunStatus, RunSummary } from '../../runtime/protocol';

const REPO = path.join(__dirname, '..', '..');
const MESSAGES = 40;
const RECORDS = 400; // ~250 bytes each: ~4 MB in all, some twenty times a Unix socket's buffer

test('a burst far larger than the socket buffer, then status and done: the parent receives every message, the last included, and the child exits 0', async () => {
  const proc = RuntimeProcess.start({
    cliPath: path.join(__dirname, 'fixtures-ipc', 'burst-runtime.ts'),
    configPath: 'unused.json',
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BURST_MESSAGES: String(MESSAGES), BURST_RECORDS: String(RECORDS) },
  });
  let steps = 0;
  let lastT = 0;
  const statuses: RunStatus[] = [];
  let done: RunSummary | null = null;
  const order: string[] = [];
  proc.events.on('metrics', (records) => {
    steps += records.length;
    lastT = records[records.length - 1].t;
    if (order.at(-1) !== 'metrics') order.push('metrics');
  });
  proc.events.on('status', (s) => {
    statuses.push(s);
    order.push('status');
  });
  proc.events.on('done', (s) => {
    done = s;
    order.push('done');
  });
  const exit = await proc.exited;
  assert.equal(exit.code, 0, exit.message);
  assert.equal(steps, MESSAGES * RECORDS, 'every step record arrived');
  assert.equal(lastT, MESSAGES * RECORDS);
  assert.deepEqual(order, ['metrics', 'status', 'done'], 'in the order sent');
  assert.equal(statuses.at(-1)?.state, 'finished');
  assert.equal((done as RunSummary | null)?.steps, MESSAGES * RECORDS, "the last message ('done') arrived");
});

test('a parent that never reads cannot keep the child alive: the channel is let go after the fallback and the child exits', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-ipc-'));
  const marker = path.join(dir, 'child-exited');
  // The child's last write stays queued for good (its parent's thread is blocked); a 200 ms fallback
  // against a 30 s wait: without the fallback the child lives as long as the parent (120 s).
  const parent = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures-ipc', 'deaf-parent.ts')], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BURST_MESSAGES: String(MESSAGES), BURST_RECORDS: String(RECORDS), BURST_FALLBACK_MS: '200', BURST_EXIT_MARKER: marker },
  });
  let childPid = 0;
  t.after(() => {
    parent.kill('SIGKILL');
    try {
      if (childPid) process.kill(childPid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  parent.stdout!.on('data', (b: Buffer) => (childPid ||= Number(b.toString().trim())));
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(marker)) {
    assert.ok(Date.now() < deadline, `the child (pid ${childPid}) was still alive 30 s after it started, its parent not reading`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(parent.exitCode, null, 'the parent was still blocked when the child exited');
});
