/**
 * `data.fields` maps graph inputs to JSON keys. A key that names no input of the model (a typo such
 * as "lables", or an input of another model) used to be ignored silently while the run trained on
 * whatever the other keys fed; it is refused instead, naming the inputs the model has.
 * The schema default ({x, labels}) is not checked: it stands for "not set", and a model without an
 * input x already gets its own message for the input that has no field.
 */
import { closestKey, CONFIG_SCHEMA, type FieldSpec } from '../protocol/config-schema';

const dataSchema = (CONFIG_SCHEMA.data as Extract<FieldSpec, { type: 'section' }>).fields;
const DEFAULT_FIELDS = (dataSchema.fields as Extract<FieldSpec, { type: 'record' }>).default;

const sameRecord = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** One sentence naming every data.fields key that is no data input of the model, or null. */
export function unmatchedFieldsProblem(fields: Record<string, string>, dataInputs: string[]): string | null {
  if (sameRecord(fields, DEFAULT_FIELDS)) return null;
  const unmatched = Object.keys(fields).filter((name) => !dataInputs.includes(name));
  if (!unmatched.length) return null;
  const named = unmatched
    .map((name) => {
      const hint = closestKey(name, dataInputs);
      return `data.fields["${name}"]${hint ? ` (did you mean "${hint}"?)` : ''}`;
    })
    .join(', ');
  const verb = unmatched.length === 1 ? 'names no input' : 'name no input';
  return `${named} ${verb} of the model; its data inputs are ${dataInputs.map((n) => `"${n}"`).join(', ')}`;
}
