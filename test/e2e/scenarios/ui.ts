/**
 * What the scenarios read and do in the workbench beyond workbench.ts: the run panel's debug probe,
 * the quick input (input boxes with their validation message), the Runs view's rows and context
 * menus, modal dialogs, the simple file dialog (code-server's open/save dialogs are quick inputs),
 * notifications. Each action fails with `e2e step "<what>"` and what it saw.
 */
import type { Frame, Locator, Page } from 'playwright-core';
import { runCommand, step, waitFor } from '../workbench';

export type PanelDebug = {
  chartData: Record<string, { label: string; count: number; last: { x: number; y: number } | null }[]> | null;
  heatmap: { rows: number; cols: number } | null;
};

/** The run panel's read-only window.__heleneDebug: chart series and the heatmap's size. */
export const panelDebug = (f: Frame) =>
  f.evaluate((): PanelDebug => {
    const h = (window as any).__heleneDebug;
    return { chartData: h?.chartData() ?? null, heatmap: h?.heatmap() ?? null };
  });

export const seriesCount = (d: PanelDebug, chart: string, label?: string) =>
  (d.chartData?.[chart] ?? []).filter((s) => !label || s.label === label).reduce((n, s) => n + s.count, 0);

/** Waits until the panel shows train-loss points, the schedule, step time, heatmap rows and layer-table rows. */
export async function panelComplete(panel: Frame, timeoutMs: number): Promise<PanelDebug> {
  return waitFor(
    'loss points, schedule, step time, heatmap rows and layer table rows in the panel',
    async () => {
      const d = await panelDebug(panel);
      const rows = await panel.locator('#layer-table tbody tr').count();
      return seriesCount(d, 'loss', 'train loss') > 0 && seriesCount(d, 'schedule') > 0 && seriesCount(d, 'timing') > 0 && (d.heatmap?.rows ?? 0) > 0 && rows > 0 ? d : undefined;
    },
    timeoutMs,
  );
}

/** The run panel (a webview frame) whose title matches `title`. */
export async function panelTitled(page: Page, title: RegExp, timeoutMs = 15_000): Promise<Frame> {
  return step(`the run panel titled ${title}`, () =>
    waitFor(
      `a run panel titled ${title}`,
      async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          const t = await f.locator('#run-title').innerText({ timeout: 200 }).catch(() => null);
          if (t !== null && title.test(t)) return f;
        }
        return undefined;
      },
      timeoutMs,
      200,
    ),
  );
}

/** The number shown before the "/" of the panel's step field ("12,345 / 40,000" → 12345). */
export async function panelStep(panel: Frame): Promise<number> {
  const t = await panel.locator('#run-step').innerText();
  return Number(t.split('/')[0].replace(/[^0-9]/g, ''));
}

export const quickInput = (page: Page) => page.locator('.quick-input-widget');
const quickInputBox = (page: Page) => page.locator('.quick-input-widget input.input');

/** The validation or prompt text under the quick input's box. */
export async function quickInputMessage(page: Page): Promise<string> {
  return (await page.locator('.quick-input-widget .quick-input-message').innerText().catch(() => '')).trim();
}

export async function waitForQuickInputTitle(page: Page, title: string | RegExp, timeoutMs = 15_000): Promise<void> {
  await step(`the quick input titled ${title}`, async () => {
    const widget = page.locator('.quick-input-widget .quick-input-title', { hasText: title });
    await widget.first().waitFor({ state: 'visible', timeout: timeoutMs });
  });
}

export interface InputAnswer {
  /** Part of the input box's title (it must be showing). */
  title: string | RegExp;
  /** The value the box is expected to offer before the user types. */
  prefilled?: string | RegExp;
  /** Values typed first that must be refused with a message matching the pattern; Enter must not accept them. */
  refused?: [string, RegExp][];
  /** The value to accept (default: what is prefilled). */
  value?: string;
}

/** Answers one input box as a user does: reads what it offers, tries refused values, types the answer, Enter. */
export async function answerInput(page: Page, a: InputAnswer): Promise<{ prefilled: string; messages: string[] }> {
  await waitForQuickInputTitle(page, a.title);
  const box = quickInputBox(page);
  const prefilled = await box.inputValue();
  if (a.prefilled !== undefined) {
    const ok = typeof a.prefilled === 'string' ? prefilled === a.prefilled : a.prefilled.test(prefilled);
    if (!ok) throw new Error(`e2e step "input ${a.title}": it offers ${JSON.stringify(prefilled)}, expected ${a.prefilled}`);
  }
  const messages: string[] = [];
  for (const [bad, pattern] of a.refused ?? []) {
    await step(`input ${a.title}: ${JSON.stringify(bad)} is refused`, async () => {
      await box.fill(bad);
      const msg = await waitFor(`a message matching ${pattern}`, async () => {
        const m = await quickInputMessage(page);
        return pattern.test(m) ? m : undefined;
      }, 5_000).catch(async (e: Error) => {
        throw new Error(`${e.message}; the box says ${JSON.stringify(await quickInputMessage(page))}`);
      });
      messages.push(msg);
      await box.press('Enter');
      await page.waitForTimeout(300);
      // Still the same box: Enter did not accept a refused value.
      await page.locator('.quick-input-widget .quick-input-title', { hasText: a.title }).first().waitFor({ state: 'visible', timeout: 1_000 });
      if ((await box.inputValue()) !== bad) throw new Error(`the box no longer holds ${JSON.stringify(bad)} after Enter`);
    });
  }
  await step(`input ${a.title}: accept ${JSON.stringify(a.value ?? prefilled)}`, async () => {
    await box.fill(a.value ?? prefilled);
    await waitFor('no validation message', async () => {
      const m = await quickInputMessage(page);
      return !(a.refused ?? []).some(([, p]) => p.test(m));
    }, 5_000);
    await box.press('Enter');
  });
  return { prefilled, messages };
}

/**
 * In code-server the open/save dialogs are quick inputs holding a path: type it and press the
 * dialog's own button (`okLabel`: Enter on a folder's path would open the folder instead).
 */
export async function answerFileDialog(page: Page, absolutePath: string, okLabel: string): Promise<void> {
  await step(`the file dialog: ${absolutePath}, then "${okLabel}"`, async () => {
    const box = quickInputBox(page);
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    // The dialog writes its starting folder into the box once it has read it: type after that.
    await waitFor('the dialog to offer its starting folder', async () => (await box.inputValue()).length > 0, 10_000);
    await page.waitForTimeout(300);
    await waitFor(`the box to hold ${absolutePath}`, async () => {
      if ((await box.inputValue()) === absolutePath) return true;
      await box.fill(absolutePath);
      await page.waitForTimeout(300); // the dialog completes what is typed; let it settle
      return (await box.inputValue()) === absolutePath;
    }, 5_000);
    await page.locator('.quick-input-widget .monaco-button', { hasText: okLabel }).first().click();
  });
}

/** The HELENE Studio view container's Runs view (opened from the activity bar). */
export async function openRunsView(page: Page): Promise<Locator> {
  return step('open the Runs view', async () => {
    const header = page.locator('.pane-header', { hasText: /^Runs/ }).first();
    if (!(await header.isVisible().catch(() => false))) await page.locator('.activitybar [aria-label^="HELENE Studio"]').first().click();
    await header.waitFor({ timeout: 10_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Runs/ }) }).first();
  });
}

/** A row of the Runs view whose label matches `label` (the run's name). */
export function runsRow(view: Locator, label: string | RegExp): Locator {
  return view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: label }) }).first();
}

/** Right-click `target` and choose the context menu entry `action`. */
export async function contextAction(page: Page, target: Locator, action: string): Promise<void> {
  await step(`context menu → "${action}"`, async () => {
    await target.click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: action }).first();
    await item.waitFor({ state: 'visible', timeout: 5_000 });
    // Hover focuses the entry, Enter runs it: one way in. (A click that comes right after the menu
    // opened is sometimes ignored, and a click plus a fallback key could run the command twice.)
    await item.hover();
    const focused = await waitFor('the entry to take the focus', async () => /\bfocused\b/.test((await item.getAttribute('class')) ?? ''), 3_000).catch(() => false);
    if (focused) await page.keyboard.press('Enter');
    else await item.click();
    await item.waitFor({ state: 'hidden', timeout: 5_000 });
  });
}

/** The modal dialog's message and detail, then a click on `button`. */
export async function answerDialog(page: Page, button: string): Promise<string> {
  return step(`the dialog's "${button}" button`, async () => {
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await dialog.innerText();
    await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    return text;
  });
}

/** Waits for a notification whose message matches `pattern`; returns its text. */
export async function notification(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return step(`a notification matching ${pattern}`, () =>
    waitFor(
      `a notification matching ${pattern}`,
      async () => (await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).find((t) => pattern.test(t)),
      timeoutMs,
      200,
    ),
  );
}

/** Closes every notification (they would cover the status bar and later screenshots). */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The titles of the editor tabs now open (a webview panel's title is its tab's label). */
export async function editorTabTitles(page: Page): Promise<string[]> {
  return (await page.locator('.tabs-container .tab .label-name').allInnerTexts()).map((t) => t.trim());
}
