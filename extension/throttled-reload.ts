/**
 * "Reload, then push to the page if it is ready", at most once per interval: run folders change
 * many times a second while runs train, and the compare and sweep-views pages only need the latest
 * state. The first change after a quiet interval reloads at once; later ones fold into one trailing
 * reload. A failed reload is logged and pushes nothing.
 */
export class ThrottledReload {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly reload: () => void,
    private readonly push: () => void,
    private readonly warn: (message: string) => void,
  ) {}

  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.last = Date.now();
      try {
        this.reload();
      } catch (e) {
        this.warn(`reload failed: ${(e as Error).message}`);
        return;
      }
      this.push();
    }, wait);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
