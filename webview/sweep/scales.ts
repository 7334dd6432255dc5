/**
 * Axis scales for the hand-drawn sweep plots (SVG): linear, log10 and categorical, each mapping a
 * value to a pixel position and back, with its ticks. DOM-free, so the tests can compute where a
 * value must be drawn.
 */
import type { SweepValue } from '../../runtime/protocol';

export type ScaleKind = 'linear' | 'log' | 'categorical';

export interface Scale {
  kind: ScaleKind;
  /** Pixel position of a value; NaN when it cannot be placed (a non-positive value on a log axis, an unknown level). */
  map(v: SweepValue): number;
  /** Ticks: value and its label. */
  ticks: { value: SweepValue; label: string }[];
  /** The values whose positions lie within [p0, p1] (pixels, either order): a numeric [lo, hi], or the levels. */
  invert(p0: number, p1: number): { lo: number; hi: number } | { levels: SweepValue[] };
}

/**
 * Short number text: 3e-4, 0.25, 12.5, 1.2e5. On a log axis (`log`) everything outside [1, 1000)
 * is written with its exponent, so decades read alike: 1e-3, 1e-2, not 0.001, 0.01.
 */
export function formatValue(v: SweepValue, log = false): string {
  if (typeof v !== 'number') return String(v);
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5 || (log && (a < 1 || a >= 1000))) return v.toExponential(Number(v.toExponential(0)) === v ? 0 : 1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** About `count` round ticks over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Powers of ten within [lo, hi] (lo > 0); with fewer than two, the ends themselves. */
export function decadeTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
  return out.length >= 2 ? out : [lo, hi];
}

/**
 * A numeric scale over the values' range onto [from, to] (pixels; `from` is where the smallest value
 * goes: the bottom of a vertical axis, the left of a horizontal one). `tickValues`: draw these
 * (e.g. a grid's own values) instead of round ticks.
 */
export function numericScale(values: readonly number[], from: number, to: number, log: boolean, tickValues?: readonly number[]): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (lo === hi) {
    // One value: give it room around it, in the scale's own terms.
    if (log) {
      lo /= 2;
      hi *= 2;
    } else {
      const d = Math.abs(lo) * 0.1 || 1;
      lo -= d;
      hi += d;
    }
  }
  const t = log ? Math.log10 : (x: number) => x;
  const [tlo, thi] = [t(lo), t(hi)];
  const map = (v: SweepValue) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (log && v <= 0)) return NaN;
    return from + ((t(v) - tlo) / (thi - tlo)) * (to - from);
  };
  const back = (p: number) => {
    const x = tlo + ((p - from) / (to - from)) * (thi - tlo);
    return log ? 10 ** x : x;
  };
  const ticks = (tickValues ?? (log ? decadeTicks(lo, hi) : niceTicks(lo, hi))).map((value) => ({ value, label: formatValue(value, log) }));
  return {
    kind: log ? 'log' : 'linear',
    map,
    ticks,
    invert(p0, p1) {
      const [a, b] = [back(p0), back(p1)];
      return { lo: Math.min(a, b), hi: Math.max(a, b) };
    },
  };
}

/** Levels evenly spaced over [from, to], in the given order. */
export function categoricalScale(levels: readonly SweepValue[], from: number, to: number): Scale {
  const keys = levels.map((v) => JSON.stringify(v));
  const pos = (i: number) => (levels.length === 1 ? (from + to) / 2 : from + (i / (levels.length - 1)) * (to - from));
  return {
    kind: 'categorical',
    map: (v) => {
      const i = keys.indexOf(JSON.stringify(v));
      return i < 0 ? NaN : pos(i);
    },
    ticks: levels.map((value) => ({ value, label: formatValue(value) })),
    invert(p0, p1) {
      const [a, b] = [Math.min(p0, p1), Math.max(p0, p1)];
      return { levels: levels.filter((_, i) => pos(i) >= a && pos(i) <= b) };
    },
  };
}
