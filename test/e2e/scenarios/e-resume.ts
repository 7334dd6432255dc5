/**
 * Scenario e, resume from checkpoint: a run stopped from the terminal (Ctrl-C) is listed as
 * resumable; its context action "Resume from checkpoint" offers the kept checkpoints newest first,
 * then an optional lr (a bad one refused in the box); the panel attaches to the live resumed run and
 * shows the whole run (its curves start at step 1, not at the resume), its step counter moves with
 * Pause and Stop enabled, the new lr is used, and it ends "finished"
 * with the status bar and the notification saying the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, ROOT, runCommand, screenshots, statusBarText, step, waitFor, type Workbench } from '../workbench';
import { answerInput, contextAction, notification, openRunsView, panelStep, panelTitled, quickInput, runsRow } from './ui';

const TOTAL = 50_000;
const STOP_AFTER = 5_000;
const NEW_LR = 0.002;

/** Starts the demo HELENE config from the CLI and stops it with Ctrl-C (SIGINT) past STOP_AFTER steps. */
async function stoppedCliRun(workspace: string, name: string): Promise<string> {
  const runsDir = path.join(workspace, 'runs');
  const before = new Set(fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []);
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'dist', 'cli.js'), 'train', '--config', path.join(workspace, 'helene.helene.json'), '--steps', String(TOTAL), '--set', `name=${JSON.stringify(name)}`, '--set', 'evalEvery=5000', '--quiet'],
    { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const dir = await waitFor('the CLI run folder', () => fs.readdirSync(runsDir).find((d) => !before.has(d) && fs.existsSync(path.join(runsDir, d, 'status.json'))), 20_000);
    const statusFile = path.join(runsDir, dir, 'status.json');
    await waitFor(`the CLI run past step ${STOP_AFTER}`, () => (readJson(statusFile)?.step ?? 0) >= STOP_AFTER, 30_000, 50);
    child.kill('SIGINT');
    const code = await exited;
    if (code !== 0) throw new Error(`the CLI exited ${code} after Ctrl-C: ${stderr}`);
    assert.equal(readJson(statusFile)?.state, 'stopped');
    return path.join(runsDir, dir);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function scenarioEResume(wb: Workbench): Promise<void> {
  const page = wb.page;
  const dir = await step('a run stopped with Ctrl-C from the terminal', () => stoppedCliRun(wb.workspace, 'e-resume'));
  const statusFile = path.join(dir, 'status.json');
  const stoppedAt = readJson(statusFile).step as number;

  const view = await openRunsView(page);
  const row = runsRow(view, /^e-resume$/);
  await step('the Runs view lists it as stopped', async () => {
    await row.waitFor({ timeout: 15_000 });
    await waitFor('"stopped" in its row', async () => /stopped/.test(await row.innerText()), 10_000);
  });
  await contextAction(page, row, 'Resume from checkpoint');

  const offered = await step('the checkpoints offered', () =>
    waitFor('checkpoint rows', async () => {
      const t = await quickInput(page).locator('.monaco-list-row').allInnerTexts();
      return t.length && t.every((r) => /step \d+/.test(r)) ? t : undefined;
    }, 10_000),
  );
  const steps = offered.map((t) => Number(/step (\d+)/.exec(t)![1]));
  assert.deepEqual(steps, [...steps].sort((a, b) => b - a), `newest first: ${JSON.stringify(offered)}`);
  assert.equal(steps[0], stoppedAt, 'the newest is the one written at the stop');
  assert.match(offered[0], /newest/);
  assert.match(offered[0], /train loss \d/);
  await quickInput(page).locator('.monaco-list-row').first().click();
  await answerInput(page, { title: `Learning rate from step ${stoppedAt + 1}`, prefilled: '', refused: [['-1', /lr must be > 0/], ['abc', /lr must be a finite number/]], value: String(NEW_LR) });

  const panel = await panelTitled(page, /^e-resume · /, 15_000);
  const live = await step('the panel follows the live resumed run', async () => {
    const first = await waitFor('the panel past the resume point', async () => {
      const s = await panelStep(panel);
      return s > stoppedAt ? s : undefined;
    }, 15_000);
    const later = await waitFor('the step counter to move', async () => {
      const s = await panelStep(panel);
      return s > first ? s : undefined;
    }, 10_000);
    return { first, later };
  });
  await step('Pause and Stop are enabled while it runs', async () => {
    assert.equal(await panel.locator('#run-state').innerText(), 'running');
    for (const id of ['#control-pause', '#control-stop']) assert.equal(await panel.locator(id).getAttribute('disabled'), null, `${id} is enabled`);
    assert.equal(await panel.locator('#control-resume').getAttribute('disabled'), '', 'Resume is disabled while running');
    assert.doesNotMatch(await panel.locator('#run-title').innerText(), /recorded/);
  });
  // The whole run, not only what the resumed process did: the loss curve starts at the first steps.
  const lossXs = await step("the live panel shows the run's steps from before the resume", () =>
    waitFor('train loss points before the resume point', async () => {
      const xs = await panel.evaluate((): number[] | undefined => ((window as any).__heleneDebug.chartXs()?.charts?.loss?.datasets ?? []).find((d: { label: string }) => d.label === 'train loss')?.xs as number[] | undefined);
      // Long histories are decimated, so not every early step is drawn; without them the curve began after stoppedAt.
      return xs && xs.length && Math.min(...xs) < stoppedAt / 10 && xs.some((x) => x > stoppedAt) ? xs : undefined;
    }, 10_000),
  );
  console.log(`[e2e] e: stopped at ${stoppedAt}; the panel showed ${live.first}, then ${live.later}; its loss curve spans steps ${Math.min(...lossXs)}–${Math.max(...lossXs)}`);
  await screenshots(wb, 'e-resumed-live');

  await step('it runs to the end', () => waitFor('status.json finished', () => readJson(statusFile)?.state === 'finished', 60_000, 200));
  await step('the panel says finished at the last step', () =>
    waitFor('#run-state finished and every step', async () => (await panel.locator('#run-state').innerText()) === 'finished' && (await panelStep(panel)) === TOTAL, 10_000),
  );
  const bar = await step('the status bar agrees', () =>
    waitFor('the status bar saying finished', async () => {
      const t = await statusBarText(page);
      return /\bhelene finished · /.test(t) && t.includes(`${TOTAL}/${TOTAL}`) ? t : undefined;
    }, 10_000),
  );
  assert.match(bar, /loss \d/);
  await notification(page, new RegExp(`HELENE run "e-resume" finished after ${TOTAL} steps`));
  // The lr given at the resume is the one the resumed steps used.
  const resumedStep = fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{"kind":"step"') && JSON.parse(l).t === stoppedAt + 1);
  assert.ok(resumedStep, `a step record for step ${stoppedAt + 1}`);
  assert.equal(JSON.parse(resumedStep).lr, NEW_LR);
  await screenshots(wb, 'e-resumed-finished');
  await runCommand(page, 'View: Close All Editors');
}
