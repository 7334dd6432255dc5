/**
 * The first thing every page controller (compare, sweep views, experiments) does with a message
 * from its page: validate it against the protocol. A message that fails is recorded in `rejected`
 * (the extension logs it) and dropped; the caller handles only what passed.
 */
import type { Validation } from '../protocol';

export function acceptIntent<I>(raw: unknown, validate: (raw: unknown) => Validation<I>, rejected: string[]): I | null {
  const v = validate(raw);
  if (v.ok) return v.value;
  rejected.push(v.reason);
  return null;
}
