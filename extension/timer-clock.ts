/**
 * The timers a vscode-free host-side class schedules with, injectable so its tests advance time by
 * hand (test/unit/fake-clock.ts). Used by MetricBatcher and WebviewLoadWatchdog.
 */
export interface TimerClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimerClock: TimerClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
