/**
 * Timing wrappers: the step-time split (forward passes / random directions / optimizer / data) is
 * measured by wrapping the oracle and the direction source, so optimizers stay free of timing code.
 * They also enforce the non-finite guard: a NaN or Inf loss throws before any optimizer has touched
 * theta or its state (every optimizer evaluates all its losses before it updates).
 */
import type { DirectionSource, LossOracle, LossPair, LossPurpose, TrainableLayer } from '../optim/optimizer';
import { GuardTripError, type DivergenceGuards } from './guards';

export class NonFiniteLossError extends Error {
  constructor(readonly scale: number, readonly value: number) {
    super(`non-finite loss ${value} at perturbation scale ${scale}`);
    this.name = 'NonFiniteLossError';
  }
}

export class TimedOracle implements LossOracle {
  forwardMs = 0;
  passes = 0;
  /** Each pass's time since the caller last cleared it (the step profiler's "forward pass k" rows). */
  readonly passMs: number[] = [];
  /** Per entry of passMs: how many passes it timed (2 for a concurrent ±eps pair). */
  readonly passCounts: number[] = [];
  /** Called when a ±eps pair's passes are done, before its losses are checked (the trainer starts the next step's z then). */
  afterPair: (() => void) | null = null;
  /**
   * With `guards`, every estimate pass goes through the divergence guards (NaN/Inf, explosion,
   * collapse) and a trip throws GuardTripError; without, a non-finite loss throws NonFiniteLossError.
   * Candidate passes (ZO-SGD-Cons's trial points) are not checked: the optimizer rejects bad ones.
   */
  constructor(private readonly inner: LossOracle, private readonly guards?: DivergenceGuards) {}
  async losses(scale: number, purpose: LossPurpose = 'estimate'): Promise<Float32Array> {
    const t0 = performance.now();
    const out = await this.inner.losses(scale, purpose);
    this.record(performance.now() - t0, 1);
    if (purpose !== 'candidate') this.check(out, scale);
    return out;
  }

  /** The ±eps pair through the inner oracle's lossPair when it has one (checked in the same order as two losses calls). */
  async lossPair(eps: number): Promise<LossPair> {
    if (!this.inner.lossPair) {
      const plus = Float32Array.from(await this.losses(+eps));
      return { plus, minus: Float32Array.from(await this.losses(-eps)), concurrent: false };
    }
    const t0 = performance.now();
    const pair = await this.inner.lossPair(eps);
    const ms = performance.now() - t0;
    this.afterPair?.();
    if (pair.concurrent) this.record(ms, 2);
    else {
      // Passes in a row: their own times, else half the pair each (one clock around both).
      const [a, b] = pair.passMs ?? [ms / 2, ms / 2];
      this.record(a, 1);
      this.record(b, 1);
    }
    this.check(pair.plus, +eps);
    this.check(pair.minus, -eps);
    return pair;
  }

  private record(ms: number, passes: number): void {
    this.forwardMs += ms;
    this.passMs.push(ms);
    this.passCounts.push(passes);
    this.passes += passes;
  }

  private check(out: Float32Array, scale: number): void {
    if (this.guards) {
      const trip = this.guards.checkPass(out);
      if (trip) throw new GuardTripError(trip);
      return;
    }
    for (let b = 0; b < out.length; b++) if (!Number.isFinite(out[b])) throw new NonFiniteLossError(scale, out[b]);
  }
}

export class TimedDirections implements DirectionSource {
  rngMs = 0;
  constructor(private readonly inner: DirectionSource) {}
  async normal(t: number, layers: TrainableLayer[]): Promise<void> {
    const t0 = performance.now();
    await this.inner.normal(t, layers);
    this.rngMs += performance.now() - t0;
  }
  async rademacher(t: number, n: number, layers: TrainableLayer[]): Promise<void> {
    const t0 = performance.now();
    await this.inner.rademacher(t, n, layers);
    this.rngMs += performance.now() - t0;
  }
}
