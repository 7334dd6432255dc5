/**
 * The integration suite, loaded by VS Code's extension host (bundled to out/vscode-test/suite.js by
 * run.ts). No mocha: a short sequential runner on node:assert; `run` rejects if any test failed,
 * which makes @vscode/test-electron exit non-zero.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HeleneStudioApi } from '../../../extension/activate';
import type { RunSession } from '../../../extension/run-session';
import { isResumable, type RunListItem } from '../../../runtime/runs/run-list-item';
import type { SweepQueue } from '../../../runtime/runs/sweep-queue';

const EXTENSION_ID = 'helene-studio.helene-studio';

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let api: HeleneStudioApi;
let session: RunSession | undefined;

const tests: [string, () => Promise<void>][] = [
  ['the extension activates and registers its commands', async () => {
    const extension = vscode.extensions.getExtension<HeleneStudioApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    api = await extension.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['helene.startRun', 'helene.openPanel', 'helene.pause', 'helene.resume', 'helene.stop', 'helene.setHyperparameters']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  }],

  ['an invalid config is refused before any process starts', async () => {
    const before = api.registry.all().length;
    const broken = vscode.Uri.file(path.join(process.env.HELENE_TEST_WORKSPACE!, 'broken.helene.json'));
    const result = await vscode.commands.executeCommand('helene.startRun', broken);
    assert.equal(result, undefined);
    assert.equal(api.registry.all().length, before);
  }],

  ['helene.startRun with the demo config streams metrics to the status bar and the panel', async () => {
    const config = vscode.Uri.file(process.env.HELENE_TEST_CONFIG!);
    session = await vscode.commands.executeCommand<RunSession | undefined>('helene.startRun', config);
    assert.ok(session, 'a run started');
    await until(() => session!.records.some((r) => r.kind === 'step'), 'step records');
    await until(() => /loss \d/.test(api.statusBarText()), `loss in the status bar (now "${api.statusBarText()}")`);
    assert.match(api.statusBarText(), /CPU/, 'the provider that really runs (heleneStudio.provider = cpu)');
    const runDir = session.runDir!;
    await until(() => (api.panelStats(runDir)?.snapshots ?? 0) > 0, 'the panel to get its snapshot (webview ready)');
    await until(() => (api.panelStats(runDir)?.appendedRecords ?? 0) > 0, 'live appends to the panel');
  }],

  ['pause and resume reach the runtime', async () => {
    assert.ok(session?.live);
    await vscode.commands.executeCommand('helene.pause', session.runDir);
    await until(() => session!.status?.state === 'paused', 'paused status');
    assert.match(api.statusBarText(), /paused/);
    await vscode.commands.executeCommand('helene.resume', session.runDir);
    await until(() => session!.status?.state === 'running', 'running status');
  }],

  ['a changed lr takes effect at a step boundary, is recorded as an event and reaches the panel', async () => {
    assert.ok(session?.live);
    const runDir = session.runDir!;
    assert.equal(await vscode.commands.executeCommand('helene.setHyperparameters', runDir, 'lr=-1'), false, 'invalid input is refused');
    assert.equal(await vscode.commands.executeCommand('helene.setHyperparameters', runDir, 'lr=0.0005'), true);
    await until(() => session!.records.some((r) => r.kind === 'event' && r.event === 'hyperparameters'), 'the hyperparameters event');
    const change = session.records.find((r) => r.kind === 'event' && r.event === 'hyperparameters')!;
    await until(() => session!.records.some((r) => r.kind === 'step' && r.t > change.t), 'steps after the change');
    const after = session.records.filter((r) => r.kind === 'step' && r.t > change.t);
    assert.ok(after.every((r) => r.kind === 'step' && Math.abs(r.lr - 0.0005) < 1e-12), 'every later step runs at the new lr');
    const appended = api.panelStats(runDir)?.appendedRecords ?? 0;
    await until(() => (api.panelStats(runDir)?.appendedRecords ?? 0) > appended, 'the panel keeps receiving records (the marker comes from the event record)');
  }],

  ['stop ends the run cleanly with a summary', async () => {
    assert.ok(session?.live);
    await vscode.commands.executeCommand('helene.stop', session.runDir);
    const exit = await session.process.exited;
    assert.equal(exit.outcome, 'stopped', exit.message);
    assert.equal(session.summary?.state, 'stopped');
    assert.match(api.statusBarText(), /stopped/);
  }],

  ['the Runs view lists the stopped run as resumable, and Resume from checkpoint continues it in its folder', async () => {
    const runDir = session!.runDir!;
    const stoppedAt = session!.summary!.steps;
    const listed = () => api.runs().find((e): e is RunListItem => e.kind === 'run' && e.dir === runDir);
    await until(() => listed()?.state === 'stopped' && isResumable(listed()!), 'the run listed as stopped and resumable');
    const resumed = await vscode.commands.executeCommand<RunSession | undefined>('helene.runs.resume', runDir);
    assert.ok(resumed, 'a resumed run started');
    await until(() => resumed!.records.some((r) => r.kind === 'step' && r.t > stoppedAt), 'steps after the checkpoint');
    assert.equal(resumed.runDir, runDir, 'the same run folder');
    await until(() => listed()?.state === 'running', 'the Runs view shows it running again');
    await vscode.commands.executeCommand('helene.stop', runDir);
    assert.equal((await resumed.process.exited).outcome, 'stopped');
  }],

  ['a sweep of 6 runs is queued, runs two at a time, lists its runs, and opens a comparison', async () => {
    await vscode.workspace.getConfiguration('heleneStudio').update('sweepParallel', 2, vscode.ConfigurationTarget.Workspace);
    const config = vscode.Uri.file(process.env.HELENE_TEST_CONFIG!);
    const grid = 'optimizer.lr=0.001,0.003,0.01; optimizer.name=mezo,helene; steps=300; evalEvery=100';
    const queue = await vscode.commands.executeCommand<SweepQueue | undefined>('helene.sweeps.start', config, grid, 'bestEvalLoss');
    assert.ok(queue, 'the sweep started');
    assert.equal(queue.record.entries.length, 6);
    await until(() => queue.record.entries.filter((e) => e.state === 'running').length === 2, 'two runs at once', 120_000);
    const record = await queue.done;
    assert.deepEqual(record.entries.map((e) => e.state), Array(6).fill('finished'));
    await until(() => record.entries.every((e) => new Set(api.runs().map((r) => path.basename(r.dir))).has(e.runId)), 'every sweep run in the Runs view');
    const panel = await vscode.commands.executeCommand('helene.sweeps.compare', queue.file);
    assert.ok(panel, 'the compare panel opened on the sweep runs');
    const views = await vscode.commands.executeCommand('helene.sweeps.openViews', queue.file);
    assert.ok(views, 'the sweep views opened on the sweep');
  }],
];

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`  ✓ ${name}`);
    } catch (e) {
      console.error(`  ✗ ${name}\n    ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      failures.push(name);
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${tests.length} VS Code tests failed: ${failures.join('; ')}`);
}
