/** Small numeric helpers for benchmark samples. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/** Load average of the last minute (os.loadavg), recorded with every measurement: the machine is shared. */
export function load1(): number {
  return Number((require('node:os') as typeof import('node:os')).loadavg()[0]!.toFixed(2));
}
