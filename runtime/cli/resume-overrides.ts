/**
 * `helene-studio resume --lr <x> --set optimizer.<key>=<value>`: the hyperparameters a resumed run
 * may change are exactly those the panel can change mid-run (LIVE_HYPERPARAMETERS), checked the same
 * way (validateHyperparameterPatch). Anything else (steps, data, the optimizer's name) is fixed by
 * the saved run and refused with one message naming the key and the allowed ones.
 */
import { LIVE_HYPERPARAMETERS, validateHyperparameterPatch, type HyperparameterPatch } from '../protocol';

export class ResumeOverrideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeOverrideError';
  }
}

const ALLOWED = LIVE_HYPERPARAMETERS.map((k) => `optimizer.${k}`).join(', ');

/** `key=value` strings (as parseCli collects --set and its shortcuts) → a validated patch. */
export function parseResumeOverrides(overrides: string[]): HyperparameterPatch {
  const values: Record<string, unknown> = {};
  for (const text of overrides) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new ResumeOverrideError(`resume --set "${text}": expected key=value, e.g. optimizer.lr=0.001`);
    const key = text.slice(0, eq).trim();
    const live = /^optimizer\.(.+)$/.exec(key)?.[1];
    if (!live || !(LIVE_HYPERPARAMETERS as readonly string[]).includes(live)) {
      throw new ResumeOverrideError(`resume: "${key}" cannot change mid-run; a resumed run may change only ${ALLOWED}`);
    }
    const raw = text.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    values[live] = value;
  }
  if (Object.keys(values).length === 0) return {};
  // Key by key, so the message names the one value that is wrong, as the user typed it.
  for (const [key, value] of Object.entries(values)) {
    const one = validateHyperparameterPatch({ [key]: value });
    if (!one.ok) throw new ResumeOverrideError(`resume: optimizer.${key} ${JSON.stringify(value)} is refused: ${one.reason.replace(/^(\w+) must/, 'optimizer.$1 must')}`);
  }
  const checked = validateHyperparameterPatch(values);
  if (!checked.ok) throw new ResumeOverrideError(`resume: ${checked.reason}`);
  return checked.value;
}

/** `--from-step` as given → a whole step number, or a clear message. */
export function parseFromStep(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new ResumeOverrideError(`resume --from-step: expected a step number (a whole number >= 0), got "${text}"`);
  return n;
}
