/** A TimerClock (extension/timer-clock.ts) the tests advance by hand. */
export class FakeClock {
  private timers = new Map<number, { at: number; callback: () => void }>();
  private next = 1;
  now = 0;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.callback();
      }
    }
  }
}
