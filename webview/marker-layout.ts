/**
 * Where the event markers' labels go, so that no two labels ever overprint (issue 14: "resumed",
 * "paused" and "lr=0.0015" at nearly one step became one unreadable smear). Pure: pixels in, boxes
 * out, text measured by the caller (canvas measureText in the page, a fixed width in unit tests).
 *
 *   1. Markers whose lines are within `mergeWithin` pixels of a group's first line join that group
 *      (no chaining: a burst of changes every few pixels stays several groups): one label listing
 *      them ("paused · lr=0.0015 · resumed"), the full list in the group's tooltip.
 *   2. Each group's label goes into the first free slot: lane 0, 1, 2… from the top of the plot
 *      area, right of the line, else left of it; a label too long for either side wraps (up to the
 *      two lines); a label with no full-size slot is shortened (…) into the widest free gap, and
 *      with no gap at all it is not drawn (the line and the tooltip remain).
 * A slot is free when the box, grown by `gap` pixels, meets no box already placed: so the boxes
 * returned never intersect, which the headless-browser test reads back and checks.
 */

export type MarkerStyle = 'change' | 'pause' | 'warning' | 'guard';

export interface PlacedMarker {
  /** Pixel x of the marker's line. */
  px: number;
  /** Value on the chart's x axis (for the tooltip). */
  x: number;
  label: string;
  style: MarkerStyle;
}

export interface Area {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LabelBox extends Rect {
  lines: string[];
}

export interface MarkerGroup {
  /** Pixel x of the group's lines, left to right (each member keeps its own line). */
  pxs: number[];
  members: PlacedMarker[];
  /** The label asked for: member labels joined with " · " (repeats counted: "paused ×2"). */
  label: string;
  /** One line per member: "x: label" (the canvas title while the pointer is on the group). */
  tooltip: string;
  /** The most severe member style: it colours the label. */
  style: MarkerStyle;
  /** Where the label is drawn; null when no room is left anywhere (the tooltip still lists it). */
  box: LabelBox | null;
}

export interface LayoutOptions {
  mergeWithin: number;
  lineHeight: number;
  maxLanes: number;
  /** Space between the line and its label. */
  pad: number;
  /** Minimum space between two labels. */
  gap: number;
  /** The shortest shortened label worth drawing, in pixels. */
  minWidth: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { mergeWithin: 4, lineHeight: 12, maxLanes: 3, pad: 3, gap: 4, minWidth: 24 };

/** A wrapped label takes at most this many lanes, so one long label cannot block every lane. */
const MAX_WRAPPED_LINES = 2;

const SEVERITY: Record<MarkerStyle, number> = { pause: 0, change: 1, warning: 2, guard: 3 };

export function boxesIntersect(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Markers grouped by proximity of their lines (input in any order; groups left to right). */
export function groupMarkers(markers: readonly PlacedMarker[], mergeWithin: number): Omit<MarkerGroup, 'box'>[] {
  const sorted = [...markers].sort((a, b) => a.px - b.px);
  const groups: PlacedMarker[][] = [];
  for (const m of sorted) {
    const last = groups[groups.length - 1];
    if (last && m.px - last[0].px <= mergeWithin) last.push(m);
    else groups.push([m]);
  }
  return groups.map((members) => ({
    pxs: [...new Set(members.map((m) => m.px))],
    members,
    label: joinLabels(members.map((m) => m.label)),
    tooltip: members.map((m) => `${formatX(m.x)}: ${m.label}`).join('\n'),
    style: members.reduce<MarkerStyle>((s, m) => (SEVERITY[m.style] > SEVERITY[s] ? m.style : s), members[0].style),
  }));
}

/** "paused · paused · lr=1e-3" → "paused ×2 · lr=1e-3" (order of first appearance). */
function joinLabels(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => (n > 1 ? `${l} ×${n}` : l)).join(' · ');
}

function formatX(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

export function layoutMarkers(markers: readonly PlacedMarker[], area: Area, measure: (text: string) => number, options: Partial<LayoutOptions> = {}): MarkerGroup[] {
  const o = { ...DEFAULT_LAYOUT, ...options };
  // Never more lanes than a third of the plot height holds: the labels must not hide the data.
  const lanes = Math.max(1, Math.min(o.maxLanes, Math.floor((area.bottom - area.top) / 3 / o.lineHeight)));
  const placed: LabelBox[] = [];
  const free = (b: LabelBox) =>
    b.x >= area.left && b.x + b.w <= area.right && !placed.some((p) => boxesIntersect({ x: b.x - o.gap, y: b.y, w: b.w + 2 * o.gap, h: b.h }, p));
  const laneY = (lane: number) => area.top + 2 + lane * o.lineHeight;

  return groupMarkers(markers, o.mergeWithin).map((g) => {
    const leftX = g.pxs[0] - o.pad;
    const rightX = g.pxs[g.pxs.length - 1] + o.pad;
    const boxAt = (lines: string[], lane: number, side: 'right' | 'left'): LabelBox => {
      const w = Math.ceil(Math.max(...lines.map(measure)));
      return { x: side === 'right' ? rightX : leftX - w, y: laneY(lane), w, h: lines.length * o.lineHeight, lines };
    };
    const tryPlace = (lines: string[]): LabelBox | null => {
      for (let lane = 0; lane + lines.length <= lanes; lane++) {
        for (const side of ['right', 'left'] as const) {
          const b = boxAt(lines, lane, side);
          if (free(b)) return b;
        }
      }
      return null;
    };
    const roomRight = area.right - rightX;
    const roomLeft = leftX - area.left;
    let box = tryPlace([g.label]);
    if (!box && measure(g.label) > Math.max(roomRight, roomLeft)) {
      // Too long for either side of the plot: wrap into the wider side.
      box = tryPlace(wrapText(measure, g.label, Math.max(roomRight, roomLeft), Math.min(lanes, MAX_WRAPPED_LINES)));
    }
    box ??= shortenedIntoWidestGap(g.label, lanes, laneY, leftX, rightX, area, placed, measure, o);
    if (box) placed.push(box);
    return { ...g, box };
  });
}

/** The label cut (…) to the widest free gap next to the line in any lane, or null when none is wide enough. */
function shortenedIntoWidestGap(
  label: string,
  lanes: number,
  laneY: (lane: number) => number,
  leftX: number,
  rightX: number,
  area: Area,
  placed: readonly LabelBox[],
  measure: (text: string) => number,
  o: LayoutOptions,
): LabelBox | null {
  let best: { lane: number; side: 'right' | 'left'; room: number } | null = null;
  for (let lane = 0; lane < lanes; lane++) {
    const y = laneY(lane);
    const inLane = placed.filter((p) => p.y < y + o.lineHeight && y < p.y + p.h);
    // Right: up to the nearest box starting right of the anchor; left: down to the nearest ending left of it.
    if (!inLane.some((p) => p.x - o.gap < rightX && rightX < p.x + p.w + o.gap)) {
      const limit = Math.min(area.right, ...inLane.filter((p) => p.x >= rightX).map((p) => p.x - o.gap));
      const room = Math.floor(limit - rightX) - 1;
      if (!best || room > best.room) best = { lane, side: 'right', room };
    }
    if (!inLane.some((p) => p.x - o.gap < leftX && leftX < p.x + p.w + o.gap)) {
      const limit = Math.max(area.left, ...inLane.filter((p) => p.x + p.w <= leftX).map((p) => p.x + p.w + o.gap));
      const room = Math.floor(leftX - limit) - 1;
      if (!best || room > best.room) best = { lane, side: 'left', room };
    }
  }
  if (!best || best.room < o.minWidth) return null;
  const text = fitText(measure, label, best.room);
  if (!text) return null;
  const w = Math.ceil(measure(text));
  return { x: best.side === 'right' ? rightX : leftX - w, y: laneY(best.lane), w, h: o.lineHeight, lines: [text] };
}

/**
 * `label` in at most `maxLines` lines of `room` pixels, broken at spaces, an " — " part (a guard's
 * outcome) starting a line of its own; the last line shortened with … when the rest does not fit.
 */
export function wrapText(measure: (text: string) => number, label: string, room: number, maxLines: number): string[] {
  const fits = (t: string) => measure(t) <= room;
  const lines: string[] = [];
  label.split(' — ').forEach((part, j) => {
    const words = (j ? `— ${part}` : part).split(' ');
    let line = '';
    for (const w of words) {
      const next = line ? `${line} ${w}` : w;
      if (line && !fits(next)) {
        lines.push(line);
        line = w;
      } else line = next;
    }
    if (line) lines.push(line);
  });
  const out = lines.slice(0, maxLines);
  const last = lines.length > maxLines ? `${out[maxLines - 1]} ${lines.slice(maxLines).join(' ')}` : out[out.length - 1];
  out[out.length - 1] = fits(last) ? last : fitText(measure, last, room) || '…';
  return out.map((l) => (fits(l) ? l : fitText(measure, l, room) || '…'));
}

/** The longest prefix of `label` that fits in `room` pixels with an ellipsis ('' when nothing does). */
export function fitText(measure: (text: string) => number, label: string, room: number): string {
  if (measure(label) <= room) return label;
  let lo = 0;
  let hi = label.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${label.slice(0, mid)}…`) <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${label.slice(0, lo).trimEnd()}…` : '';
}
