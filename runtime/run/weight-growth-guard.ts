/**
 * The weight-growth guard: a trainable tensor whose RMS grew more than `factor` times its starting
 * RMS has lost what it was, whatever the loss says. Why a guard of its own: a new user's HELENE on
 * a decoder's LoRA adapters (lr 0.01) grew the attention adapters ~250x in 30 steps (RMS 0.47 → 119;
 * merged weights up to 2.5e5) while the eval loss stayed flat (7.1970 → 7.1973): softmax saturated,
 * the attention mask stopped holding, and no loss guard could see it. The cause there: with LoRA's
 * B = 0 at the start, the loss is flat in A, so the curvature estimate h is tiny and lr / h huge.
 *
 * The reference of a tensor is the larger of its RMS at the start of the run (or of the resumed run)
 * and the RMS of all the trainable tensors at the start: a tensor that starts tiny (biases) may grow
 * to the size of the weights around it, not 100x past them. A tensor that starts at exactly zero
 * (LoRA's B) is not checked. Measured: the demo's 20,000-step MeZO and HELENE runs do not trip it at
 * factor 30; against its own start alone, the demo's small-init biases grew 10x within 770 (HELENE)
 * and 10,438 (MeZO) steps of healthy training.
 *
 * Cost: one pass over theta every `every` steps (a sum of squares per tensor), and on forced checks
 * (checkpoints, the last step). Policy: stop only; a growth that built up over many steps cannot be
 * undone by skipping one.
 */
import type { TrainableLayer } from '../optim/optimizer';
import { rms } from '../optim/layer-stats';

export interface WeightGrowthConfig {
  enabled: boolean;
  /** Trip when a tensor's RMS exceeds factor x its reference. */
  factor: number;
  /** Check every N steps (and on forced checks). */
  every: number;
}

export interface WeightGrowth {
  tensor: string;
  from: number;
  to: number;
  ratio: number;
  /** The reference was the RMS of all trainables (the tensor started at zero). */
  againstAll: boolean;
}

/** layer-stats' rms, with 0 for an empty tensor (its NaN would poison the all-trainables reference). */
function rmsOf(x: Float32Array): number {
  return x.length ? rms(x) : 0;
}

export class WeightGrowthGuard {
  private references: number[] = [];
  private againstAll: boolean[] = [];

  constructor(readonly config: WeightGrowthConfig) {}

  /** Record the starting RMS of every trainable tensor (call once, before the first step). */
  start(layers: readonly TrainableLayer[]): void {
    const each = layers.map((l) => rmsOf(l.theta));
    let sum = 0;
    let count = 0;
    layers.forEach((l, i) => {
      sum += each[i] * each[i] * l.theta.length;
      count += l.theta.length;
    });
    const all = count ? Math.sqrt(sum / count) : 0;
    this.againstAll = each.map((r) => !(r >= all));
    // A tensor that starts at exactly zero (LoRA's B) has no scale of its own; LoRA's factors are
    // not balanced (a healthy MeZO LoRA run grew B to 150x the trainables' start RMS in 10 steps
    // while A stayed small), so it is not checked: its partner A, which starts random, is.
    this.references = each.map((r) => (r > 0 ? Math.max(r, all) : 0));
  }

  /** The first tensor grown past factor x its reference, when due (or forced); null otherwise. */
  check(t: number, layers: readonly TrainableLayer[], force: boolean): WeightGrowth | null {
    if (!this.config.enabled || this.references.length !== layers.length) return null;
    if (!force && t % this.config.every !== 0) return null;
    for (let i = 0; i < layers.length; i++) {
      const ref = this.references[i];
      if (!(ref > 0)) continue; // every trainable started at zero: nothing to compare with
      const now = rmsOf(layers[i].theta);
      if (now > this.config.factor * ref) return { tensor: layers[i].name, from: ref, to: now, ratio: now / ref, againstAll: this.againstAll[i] };
    }
    return null;
  }
}
