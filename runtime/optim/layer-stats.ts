/**
 * Per-layer statistics helpers shared by the optimizers. Statistics are only computed on
 * statistics steps, so they may cost a pass over the layer; the median is approximated from a
 * strided sample so it stays O(sample) on 50M-element layers.
 */
import type { LayerStat } from '../protocol';
import type { TrainableLayer } from './optimizer';

const MEDIAN_SAMPLE = 4097;

export function rms(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s / values.length);
}

/** Exact median for small arrays, median of a strided sample for large ones. */
export function approximateMedian(values: Float32Array): number {
  const n = values.length;
  const stride = Math.max(1, Math.floor(n / MEDIAN_SAMPLE));
  const sample = new Float64Array(Math.ceil(n / stride));
  for (let i = 0, k = 0; i < n; i += stride, k++) sample[k] = values[i];
  sample.sort();
  const m = sample.length;
  return m % 2 ? sample[(m - 1) >> 1] : 0.5 * (sample[m / 2 - 1] + sample[m / 2]);
}

export interface CurvatureSummary {
  hMean: number;
  hMin: number;
  hMax: number;
  hMedian: number;
}

export function summarize(h: Float32Array): CurvatureSummary {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { hMean: s / h.length, hMin: min, hMax: max, hMedian: approximateMedian(h) };
}

/** Tracks the squared norm of each layer's last update, accumulated inside the update loops. */
export class UpdateNorms {
  readonly sumSquares: Float64Array;
  constructor(layerCount: number) {
    this.sumSquares = new Float64Array(layerCount);
  }
  reset(): void {
    this.sumSquares.fill(0);
  }
  /** The update kernels return |update|² plus a folded finiteness probe (mezo.ts sgdUpdate): finite sums ⟺ finite tensors. */
  allFinite(): boolean {
    let acc = 0;
    for (let i = 0; i < this.sumSquares.length; i++) acc += this.sumSquares[i] * 0;
    return acc === 0;
  }
  /** The fields every optimizer reports: RMS of update and theta, update-to-weight ratio. */
  baseStat(layer: TrainableLayer, index: number): LayerStat {
    const updateRms = Math.sqrt(this.sumSquares[index] / layer.size);
    const thetaRms = rms(layer.theta);
    return {
      name: layer.name,
      size: layer.size,
      updateRms,
      thetaRms,
      updateToWeight: thetaRms > 0 ? updateRms / thetaRms : 0,
    };
  }
}
