/**
 * Stable run colours (issue 14; shared by the compare page, the run panel's header and the sweep
 * views since issue 19): a run's colour comes from its id, not from its position in the comparison,
 * so the same run has the same colour in every comparison it is part of, in the charts, the legend
 * and the tables, and in its own run panel.
 *
 * The palette is 10 hue families × 2 shades (the second shade is only handed out once every family
 * is in use, so a comparison of up to 10 runs has no two runs of one hue). A run's preferred slot
 * is a hash of its id. Per family, the run with the smallest id among those preferring it
 * gets its preferred slot; the others move on to the next free family in its first shade (then,
 * with every family in use, the next free second shade).
 * So a run keeps its colour in every comparison where no run with a smaller id hashes to its
 * family; only such a collision moves it, and only the run that lost it.
 */

export interface PaletteEntry {
  /** Hue family: two entries of one family are never used together while another family is free. */
  family: number;
  /** On dark themes (bright enough on #1e1e1e) and on light themes (dark enough on white). */
  dark: string;
  light: string;
}

const FAMILIES: readonly [dark: string, darkAlt: string, light: string, lightAlt: string][] = [
  ['#4e9df5', '#a9d0ff', '#1f6fd1', '#0a3a82'], // blue
  ['#f0883e', '#ffc48a', '#d9690b', '#8a4300'], // orange
  ['#56c26a', '#b0e8aa', '#2e8b3e', '#115c22'], // green
  ['#f0646c', '#ffb0ae', '#d1343d', '#8a1218'], // red
  ['#b58cf0', '#dcc6ff', '#7d4fc9', '#4b2591'], // purple
  ['#3cc7d0', '#a3ecf0', '#0e8f99', '#055960'], // cyan
  ['#e86fb6', '#ffbde2', '#c23b8e', '#7d1a57'], // pink
  ['#e3c23d', '#f5e7a6', '#a88600', '#6b5500'], // gold
  ['#c08a5a', '#e6c7a8', '#8c5a2b', '#5a3412'], // brown
  ['#a4c94a', '#d6eba2', '#6b8f00', '#435a00'], // lime
];

/** Slots 0–9: one shade of each family; slots 10–19: the other shade. */
export const RUN_PALETTE: readonly PaletteEntry[] = [
  ...FAMILIES.map(([dark, , light], family) => ({ family, dark, light })),
  ...FAMILIES.map(([, dark, , light], family) => ({ family, dark, light })),
];

const FAMILY_COUNT = FAMILIES.length;

/**
 * FNV-1a over the id, then murmur3's finaliser: run ids differ in a few trailing characters
 * (timestamps, counters), and FNV's low bits alone spread those poorly over 10 families.
 */
export function hashRunId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The slot a run id asks for (before collisions within one comparison). */
export function preferredSlot(id: string): number {
  return hashRunId(id) % FAMILY_COUNT;
}

/**
 * Palette slot per run id, for one comparison. Depends on the set of ids only (not their order).
 * Beyond 20 runs slots repeat (the dashes and the legend still tell them apart).
 */
export function assignRunColours(ids: readonly string[]): Map<string, number> {
  const unique = [...new Set(ids)].sort();
  const slots = new Map<string, number>();
  const usedSlots = new Set<number>();
  const usedFamilies = new Set<number>();
  const take = (id: string, slot: number) => {
    slots.set(id, slot);
    usedSlots.add(slot);
    usedFamilies.add(RUN_PALETTE[slot].family);
  };
  // 1. Each family's first claimant (smallest id) gets its preferred slot.
  const losers: string[] = [];
  for (const id of unique) {
    const slot = preferredSlot(id);
    if (usedFamilies.has(RUN_PALETTE[slot].family)) losers.push(id);
    else take(id, slot);
  }
  // 2. The others probe from their preferred slot: a free family first, then any free slot.
  for (const id of losers) {
    const start = preferredSlot(id);
    // The first shades of the following families, then the second shades in the same order.
    const order = [0, FAMILY_COUNT].flatMap((shade) => Array.from({ length: FAMILY_COUNT }, (_, k) => shade + ((start + k) % FAMILY_COUNT)));
    const slot =
      order.find((s) => !usedSlots.has(s) && !usedFamilies.has(RUN_PALETTE[s].family)) ??
      order.find((s) => !usedSlots.has(s)) ??
      start;
    take(id, slot);
  }
  return slots;
}

export type ThemeKind = 'dark' | 'light';

/** VS Code marks the theme on <body>: vscode-light, vscode-dark, vscode-high-contrast(-light). */
export function themeKind(body: Element | null = typeof document === 'undefined' ? null : document.body): ThemeKind {
  const c = body?.classList;
  return c && (c.contains('vscode-light') || c.contains('vscode-high-contrast-light')) ? 'light' : 'dark';
}

/** CSS colour per run id for one comparison on the given theme. */
export function runColourMap(ids: readonly string[], kind: ThemeKind): Map<string, string> {
  const slots = assignRunColours(ids);
  return new Map([...slots].map(([id, slot]) => [id, RUN_PALETTE[slot][kind]]));
}
