/**
 * Coalesces redraws: messages arrive in bursts (append batches every ~100 ms, statuses between),
 * but the panel redraws at most once per animation frame, with the union of what changed.
 * requestAnimationFrame also pauses while the panel is hidden, so a hidden panel does no drawing.
 */
import { NO_CHANGES, mergeChanges, type Changes } from './view-model';

export class FrameScheduler {
  private pending: Changes = { ...NO_CHANGES };
  private requested = false;

  constructor(
    private readonly draw: (changes: Changes) => void,
    private readonly requestFrame: (cb: () => void) => void = (cb) => requestAnimationFrame(() => cb()),
  ) {}

  schedule(changes: Changes): void {
    this.pending = mergeChanges(this.pending, changes);
    if (this.requested) return;
    this.requested = true;
    this.requestFrame(() => {
      this.requested = false;
      const changes = this.pending;
      this.pending = { ...NO_CHANGES };
      this.draw(changes);
    });
  }
}
