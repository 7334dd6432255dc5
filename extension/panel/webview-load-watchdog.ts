/**
 * Notices a webview page that never starts. VS Code loads every webview through a service worker;
 * when its registration hangs or fails (microsoft/vscode#125993: "Could not register service
 * worker", or a controller that never changes), the page's HTML is never put into its frame and the
 * tab stays blank — no script runs, so the page cannot report anything itself. Seen in the e2e tier
 * in a real code-server: a run panel opened right after "Close All Editors" stayed blank for good,
 * and setting `webview.html` again did not help (the stuck promise lives in the frame VS Code keeps).
 *
 * So the host side watches: from the moment the panel is visible, the page has `timeoutMs` to post
 * its first message ('ready'). If it does not, `onStuck` runs (the panel is then closed and opened
 * again, which makes VS Code build a new frame and register the worker anew). A hidden panel's page
 * does not load at all, so the clock runs only while the panel is visible. Free of 'vscode'; the
 * clock is injectable for tests.
 */
import { realTimerClock, type TimerClock } from '../timer-clock';

/**
 * A healthy page posts 'ready' within 1–3 s of being shown on the 2-core test machine, 6 s at most
 * seen with the machine loaded. 15 s leaves room for a slow machine: a healthy page reopened too
 * early would start loading again, so the margin is wide on purpose.
 */
export const WEBVIEW_LOAD_TIMEOUT_MS = 15_000;

export class WebviewLoadWatchdog {
  private timer: unknown = null;
  private loaded = false;
  private disposed = false;
  private readonly clock: TimerClock;

  constructor(
    private readonly onStuck: () => void,
    private readonly timeoutMs = WEBVIEW_LOAD_TIMEOUT_MS,
    clock?: TimerClock,
  ) {
    this.clock = clock ?? realTimerClock;
  }

  /** The panel is visible: a page that has not spoken yet must do so within the timeout. */
  visible(): void {
    if (this.disposed || this.loaded || this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.disposed && !this.loaded) this.onStuck();
    }, this.timeoutMs);
  }

  /** The panel is hidden: its page is destroyed and rebuilt when shown, so start over then. */
  hidden(): void {
    this.cancel();
    this.loaded = false;
  }

  /** The page posted a message: it runs. */
  spoke(): void {
    this.loaded = true;
    this.cancel();
  }

  get waiting(): boolean {
    return this.timer !== null;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
