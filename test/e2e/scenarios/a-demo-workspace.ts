/**
 * Scenario a, the rest: the walkthrough's first step runs "Create demo workspace" from its own
 * button. The folder dialog refuses a folder that holds files (one clear sentence, nothing written,
 * the step stays unticked), an empty folder receives exactly the files the step's text names, the
 * step is ticked, and the notification offers to open the folder. The walkthrough's GPU step shows its own text.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { pickQuick, runCommand, screenshots, step, waitFor, type Workbench } from '../workbench';
import { answerFileDialog, clearNotifications, notification } from './ui';

/** What media/walkthrough/demo.md promises the folder will hold. */
const DEMO_FILES = ['demo-mlp.onnx', 'train.jsonl', 'eval.jsonl', 'helene.helene.json', 'helene-recommended.helene.json', 'mezo.helene.json', 'README.md'];

const stepButton = (page: Page, stepId: string) => page.locator(`button.getting-started-step[data-step-id$="#${stepId}"]`).first();

async function openWalkthrough(page: Page): Promise<void> {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await pickQuick(page, 'Fine-tune with HELENE Studio');
  await step('the walkthrough opens', () => stepButton(page, 'demo').waitFor({ timeout: 10_000 }));
  // Runs reported steps since a-views first showed the walkthrough (c, f, g): "Start a HELENE run"
  // is ticked by the context key a run's first step sets, not by the command's invocation.
  await step('"Start a HELENE run" is ticked', () =>
    waitFor('aria-checked="true" on the start step', async () => (await stepButton(page, 'start').getAttribute('aria-checked')) === 'true', 10_000),
  );
}

/** The walkthrough renders a step's markdown media in a webview frame: the frame whose text has `heading`. */
async function mediaText(page: Page, heading: string): Promise<string> {
  return waitFor(
    `the walkthrough media showing "${heading}"`,
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const t = await f.locator('body').innerText({ timeout: 200 }).catch(() => '');
        if (t.includes(heading)) return t;
      }
      return undefined;
    },
    10_000,
    200,
  );
}

export async function scenarioADemoWorkspace(wb: Workbench): Promise<void> {
  const page = wb.page;
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-e2e-demo-'));
  const target = path.join(parent, 'my-demo');
  fs.mkdirSync(target);
  try {
    await openWalkthrough(page);
    const demoStep = stepButton(page, 'demo');
    await demoStep.click();
    const checkbox = page.locator('[data-done-step-id$="#demo"]').first();
    assert.equal(await checkbox.getAttribute('aria-checked'), 'false', 'the demo step is not ticked before it ran');
    const create = demoStep.locator('.monaco-button', { hasText: 'Create demo workspace' }).first();

    // A folder that already holds files (the open workspace) is refused, and nothing is written.
    const before = fs.readdirSync(wb.workspace).sort();
    await step('the step\'s "Create demo workspace" button', () => create.click());
    await answerFileDialog(page, wb.workspace, 'Create demo here');
    const refusal = await notification(page, /is not empty/);
    assert.equal(refusal.trim(), `HELENE: ${wb.workspace} is not empty; choose an empty or new folder (nothing was written)`);
    assert.deepEqual(fs.readdirSync(wb.workspace).sort(), before, 'nothing was written into the non-empty folder');
    await page.waitForTimeout(500);
    assert.equal(await checkbox.getAttribute('aria-checked'), 'false', 'a refused folder does not tick the step');
    await clearNotifications(page);

    await stepButton(page, 'demo').click();
    await step('the step\'s "Create demo workspace" button, again', () => create.click());
    await answerFileDialog(page, target, 'Create demo here');
    const done = await notification(page, /Demo workspace created/, 20_000);
    assert.equal(done.trim(), `Demo workspace created in ${target}.`);
    const offered = await page
      .locator('.notifications-toasts .notification-list-item', { hasText: 'Demo workspace created' })
      .first()
      .locator('.monaco-button')
      .allInnerTexts();
    assert.deepEqual(offered.map((t) => t.trim()).filter(Boolean), ['Open folder', 'Open in new window']);
    assert.deepEqual(fs.readdirSync(target).sort(), [...DEMO_FILES].sort(), 'the folder holds what the walkthrough step names');
    for (const config of DEMO_FILES.filter((f) => f.endsWith('.helene.json'))) {
      const c = JSON.parse(fs.readFileSync(path.join(target, config), 'utf8'));
      assert.ok(fs.existsSync(path.join(target, c.model.path)) && fs.existsSync(path.join(target, c.data.train)), `${config} names files that exist`);
    }
    await step('the demo step is ticked', () => waitFor('aria-checked="true" on the demo step', async () => (await checkbox.getAttribute('aria-checked')) === 'true', 10_000));
    await screenshots(wb, 'a-demo-created');
    await clearNotifications(page);

    // The GPU step's media is about the GPU (it must not repeat another step's page).
    await stepButton(page, "gpu").click();
    const gpuText = await step('the GPU step shows its own media', () => mediaText(page, 'Use a GPU'));
    assert.match(gpuText, /Check GPU/);
    assert.match(gpuText, /CPU/);
    await screenshots(wb, 'a-walkthrough-gpu');
    await runCommand(page, 'View: Close All Editors');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
}
