/**
 * Pause / resume / stop. Real buttons (keyboard and screen-reader reachable), enabled only when the
 * action makes sense for the run's state; each posts one WebviewIntent.
 */
import type { WebviewIntent } from '../../runtime/protocol';
import { createButton, setDisabled } from '../ui-kit';
import type { ControlAvailability } from './view-model';

export interface RunControls {
  update(a: ControlAvailability): void;
}

export function createRunControls(parent: HTMLElement, post: (intent: WebviewIntent) => void): RunControls {
  const group = document.createElement('div');
  group.className = 'run-controls';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', 'Run controls');
  // Each intent carries when the user clicked (the input event's own stamp) and when this handler
  // ran: the host and runtime add theirs, and the run records the trace in its event (latency).
  const command = (c: 'pause' | 'resume' | 'stop') => (event: Event) => {
    const { clickedAt, handledAt } = systemClockStamps(event);
    post({ type: 'control', command: c, trace: { clickedAt, webviewAt: handledAt } });
  };
  const pause = createButton({ id: 'control-pause', label: 'Pause', onClick: command('pause'), title: 'Pause at the next step boundary' });
  const resume = createButton({ id: 'control-resume', label: 'Resume', onClick: command('resume') });
  const stop = createButton({ id: 'control-stop', label: 'Stop', onClick: command('stop'), title: 'Stop the run (a summary is written)' });
  group.append(pause, resume, stop);
  parent.appendChild(group);
  return {
    update(a) {
      setDisabled(pause, !a.pause);
      setDisabled(resume, !a.resume);
      setDisabled(stop, !a.stop);
    },
  };
}

/**
 * The input event and now, in epoch ms on the system clock, the clock of the host's and the
 * runtime's Date.now() stamps: now less the event's age on the page's monotonic clock.
 * performance.timeOrigin + event.timeStamp is not that clock: it is tied to the system clock once,
 * when the page loads, and drifts from it by every later adjustment of the system clock (an NTP
 * step), so a trace mixing the two could be off by any amount.
 */
export function systemClockStamps(event: Event): { clickedAt: number; handledAt: number } {
  const handledAt = Date.now();
  return { clickedAt: handledAt - Math.max(0, performance.now() - event.timeStamp), handledAt };
}
