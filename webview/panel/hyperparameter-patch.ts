/**
 * Turns the hyperparameter form's texts into a HyperparameterPatch (DOM-free, unit-tested): only
 * fields the user changed are sent, and the protocol's own validateHyperparameterPatch decides what
 * is valid, so the panel can never disagree with the extension about it.
 */
import { CONFIG_SCHEMA, validateHyperparameterPatch, type HyperparameterPatch, type LiveHyperparameter } from '../../runtime/protocol';
import type { CurrentHyperparameters } from './view-model';

/** The fields the form offers, in display order, with what they mean. */
export const FORM_FIELDS: readonly { key: LiveHyperparameter; label: string; title: string }[] = [
  { key: 'lr', label: 'lr', title: 'Learning rate' },
  { key: 'eps', label: 'eps', title: 'Perturbation size ε' },
  { key: 'kappa', label: 'kappa', title: 'Relative clipping floor: λᵢ = κ · mean(h over layer i)' },
  { key: 'lambda', label: 'lambda', title: 'Constant clipping floor λ (lambda mode "constant")' },
  { key: 'k', label: 'k', title: 'Hessian refresh interval (steps, integer)' },
  { key: 'T', label: 'T', title: 'Annealing horizon in steps (empty = 10% of the run)' },
  { key: 'gamma', label: 'gamma', title: 'Curvature scale γ' },
  { key: 'beta1', label: 'beta1', title: 'Momentum decay β₁' },
  { key: 'beta2', label: 'beta2', title: 'Curvature EMA decay β₂' },
];

/**
 * The form's fields that mean something for `optimizer` (the config schema's appliesTo): a MeZO run
 * shows lr and eps, not HELENE's kappa, lambda, k, T, gamma and betas. Unknown optimizer: all of them.
 */
export function formFieldsFor(optimizer: string | null | undefined): LiveHyperparameter[] {
  const section = CONFIG_SCHEMA.optimizer;
  const specs = section?.type === 'section' ? section.fields : {};
  return FORM_FIELDS.filter((f) => {
    const applies = (specs[f.key] as { appliesTo?: readonly string[] } | undefined)?.appliesTo;
    return !optimizer || !applies || applies.includes(optimizer);
  }).map((f) => f.key);
}

/** Fields where an empty text means null ("automatic"). */
const NULLABLE: ReadonlySet<LiveHyperparameter> = new Set<LiveHyperparameter>(['T', 'rho']);

/** How a current value is shown in its field. */
export function fieldText(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

export type PatchResult =
  | { ok: true; patch: HyperparameterPatch }
  | { ok: false; reason: string; field: LiveHyperparameter | null };

export function buildHyperparameterPatch(
  texts: Partial<Record<LiveHyperparameter, string>>,
  current: CurrentHyperparameters,
): PatchResult {
  const patch: Record<string, number | null> = {};
  for (const [key, raw] of Object.entries(texts) as [LiveHyperparameter, string][]) {
    const text = raw.trim();
    if (text === fieldText(current[key])) continue;
    let value: number | null;
    if (text === '') {
      if (!NULLABLE.has(key)) return { ok: false, reason: `${key}: enter a number`, field: key };
      value = null;
    } else {
      value = Number(text);
      if (Number.isNaN(value)) return { ok: false, reason: `${key}: "${text}" is not a number`, field: key };
    }
    if (value === current[key]) continue;
    patch[key] = value;
  }
  if (Object.keys(patch).length === 0) return { ok: false, reason: 'Nothing changed.', field: null };
  const checked = validateHyperparameterPatch(patch);
  if (!checked.ok) {
    const field = (Object.keys(patch) as LiveHyperparameter[]).find((k) => checked.reason.startsWith(`${k} `)) ?? null;
    return { ok: false, reason: checked.reason, field };
  }
  return { ok: true, patch: checked.value };
}
