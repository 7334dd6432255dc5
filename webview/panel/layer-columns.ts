/**
 * The per-layer table's columns (spec, "What the user watches"): one definition per column so the
 * header, the cells and the tests agree on order and formatting.
 */
import type { LayerStat } from '../../runtime/protocol';
import { formatCount, formatPercent, formatSignificant } from './number-format';

export interface LayerColumn {
  key: keyof LayerStat;
  /** Header text. */
  label: string;
  /** Header tooltip: what the number means. */
  title: string;
  format(stat: LayerStat): string;
}

const sig = (key: keyof LayerStat) => (s: LayerStat) => formatSignificant(s[key] as number | undefined);

export const LAYER_COLUMNS: readonly LayerColumn[] = [
  { key: 'name', label: 'layer', title: 'Trainable tensor', format: (s) => s.name },
  { key: 'size', label: 'dᵢ', title: 'Element count', format: (s) => formatCount(s.size) },
  { key: 'hMean', label: 'h mean', title: 'Mean of the curvature estimate h over the layer', format: sig('hMean') },
  { key: 'hMin', label: 'h min', title: 'Smallest h', format: sig('hMin') },
  { key: 'hMax', label: 'h max', title: 'Largest h', format: sig('hMax') },
  { key: 'hMedian', label: 'h median', title: 'Approximate median of h (strided sample)', format: sig('hMedian') },
  { key: 'lambda', label: 'λᵢ', title: 'Per-layer clipping floor', format: sig('lambda') },
  { key: 'floorFraction', label: 'floor', title: 'Share of elements with h < λᵢ: how much of the layer the clip governs', format: (s) => formatPercent(s.floorFraction) },
  { key: 'effectiveStep', label: 'eff. step', title: 'Mean of lr / (γ·max(h, λᵢ) + ε_den)', format: sig('effectiveStep') },
  { key: 'mRms', label: 'm RMS', title: 'RMS of the momentum m', format: sig('mRms') },
  { key: 'updateRms', label: 'update RMS', title: 'RMS of the last update', format: sig('updateRms') },
  { key: 'thetaRms', label: 'θ RMS', title: 'RMS of the weights', format: sig('thetaRms') },
  { key: 'updateToWeight', label: 'update/weight', title: 'Update RMS / weight RMS', format: sig('updateToWeight') },
];

/** The formatted cells of one row, in LAYER_COLUMNS order. */
export function layerRowCells(stat: LayerStat): string[] {
  return LAYER_COLUMNS.map((c) => c.format(stat));
}
