/**
 * Parses what the user types into "Change hyperparameters": `lr=0.0005 eps=1e-3, rho=null`.
 * Pairs are separated by spaces, commas or semicolons; each value is JSON (a number or null).
 * The patch itself is checked by the protocol's validateHyperparameterPatch, so the rules (which
 * keys may change live, ranges) live in one place.
 */
import { validateHyperparameterPatch, type HyperparameterPatch, type Validation } from '../runtime/protocol';

export function parseHyperparameterInput(text: string): Validation<HyperparameterPatch> {
  const pairs = text.split(/[\s,;]+/).filter(Boolean);
  if (pairs.length === 0) return { ok: false, reason: 'type at least one key=value pair, e.g. lr=0.0005' };
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) return { ok: false, reason: `expected key=value, got "${pair}"` };
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: `${key}: "${raw}" is not a number` };
    }
    if (key in values) return { ok: false, reason: `${key} is given twice` };
    values[key] = value;
  }
  return validateHyperparameterPatch(values);
}
