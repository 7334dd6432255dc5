/**
 * What the window does around the runs it starts (extension/run-follower.ts,
 * extension/run-started-context.ts), over the fake runtime and the fake VS Code API: a single run
 * opens its panel, a sweep's runs open none (the Sweeps view opens them on demand), and the
 * walkthrough's "Start a HELENE run" step completes only once a run reports its first step.
 */
import './fake-vscode/install-fake-vscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { followRuns } from '../../extension/run-follower';
import { RUN_STARTED_CONTEXT, markFirstStep } from '../../extension/run-started-context';
import { RunRegistry } from '../../extension/run-registry';
import { PanelMemory } from '../../extension/panel/panel-memory';
import { RunPanel } from '../../extension/panel/run-panel';
import { registryLauncher } from '../../extension/sweeps/sweep-manager';
import type { Services } from '../../extension/services';
import type { PlannedRun } from '../../runtime/runs/sweep-spec';
import { fakeState, Uri } from './fake-vscode/vscode';

const ROOT = path.resolve(__dirname, '..', '..');
const FAKE = path.join(__dirname, 'fixtures-fake-runtime', 'fake-runtime.js');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function services(registry: RunRegistry): Services {
  const store = new Map<string, unknown>();
  const memento = { get: (k: string, d: unknown) => store.get(k) ?? d, update: async (k: string, v: unknown) => void store.set(k, v), keys: () => [...store.keys()] };
  const quiet = () => undefined;
  const output = { info: quiet, warn: quiet, error: quiet, runtimeLine: quiet, show: quiet };
  return { extensionUri: Uri.file('/ext'), extensionPath: ROOT, registry, output, memory: new PanelMemory(memento as never) } as unknown as Services;
}

function runDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-follow-'));
  fs.writeFileSync(path.join(dir, 'run.json'), '{}');
  return dir;
}

const fakeEnv = (dir: string, steps: number) => ({ ...process.env, FAKE_MODE: 'normal', FAKE_RUN_DIR: dir, FAKE_STEPS: String(steps) });
const panelsOf = (dir: string) => fakeState.created.filter((p) => !p.isDisposed && p.title.endsWith(path.basename(dir)));

test('a single run opens its panel; a sweep\'s runs open none', async (t) => {
  const registry = new RunRegistry();
  const follow = followRuns(services(registry));
  t.after(() => {
    follow.dispose();
    RunPanel.disposeAll();
  });
  const single = runDir();
  const session = registry.start({ cliPath: FAKE, configPath: 'c.json', env: fakeEnv(single, 3) }, 'single');
  await session.process.exited;
  assert.equal(panelsOf(single).length, 1, 'Start run opens the run panel');

  const sweepDir = runDir();
  const launch = registryLauncher(registry, { cliPath: FAKE, configPath: 'c.json', overrides: [], env: fakeEnv(sweepDir, 3) }, 'sweep-1');
  const plans = [0, 1, 2, 3].map((index) => ({ index, runId: `r${index}`, label: `run ${index}`, values: {}, overrides: [], config: {} }) as PlannedRun);
  const results = await Promise.all(plans.map((plan) => launch(plan).done));
  assert.deepEqual(results.map((r) => r.ok), [true, true, true, true]);
  assert.equal(panelsOf(sweepDir).length, 0, 'a 4-run sweep opens no tab by itself');
});
test('the walkthrough\'s "Start a HELENE run" step completes on a context key pulsed at each run\'s first step, not on the command', async (t) => {
  const start = manifest.contributes.walkthroughs[0].steps.find((s: { id: string }) => s.id === 'start');
  assert.deepEqual(start.completionEvents, [`onContext:${RUN_STARTED_CONTEXT}`]);

  const registry = new RunRegistry();
  const mark = markFirstStep(registry, 50);
  t.after(() => mark.dispose());
  const sets = () => fakeState.executedCommands.filter(([id, key]) => id === 'setContext' && key === RUN_STARTED_CONTEXT).map(([, , value]) => value);
  fakeState.executedCommands.length = 0;
  // A runtime that never reaches a step (here: it cannot even load) leaves the step open.
  const broken = registry.start({ cliPath: path.join(os.tmpdir(), 'no-such-cli.js'), configPath: 'c.json' }, 'broken');
  await broken.process.exited;
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(sets(), []);
  // A run's first step pulses the key (true, then false), so a walkthrough opened later still sees
  // the next run's change; every run pulses once, not once per step.
  const ok = registry.start({ cliPath: FAKE, configPath: 'c.json', env: fakeEnv(runDir(), 3) }, 'ok');
  await ok.process.exited;
  assert.equal(sets()[0], true, 'set at the first step');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(sets(), [true, false], 'then reset');
  const again = registry.start({ cliPath: FAKE, configPath: 'c.json', env: fakeEnv(runDir(), 3) }, 'again');
  await again.process.exited;
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(sets(), [true, false, true, false], 'each run pulses once');
});
