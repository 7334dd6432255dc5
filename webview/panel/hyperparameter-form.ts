/**
 * The live hyperparameter form: prefilled with the run's current values (manifest config plus
 * recorded changes), checked with the protocol's validator before anything is posted, and the
 * reason shown inline (role="alert") when the input is invalid.
 */
import type { LiveHyperparameter, WebviewIntent } from '../../runtime/protocol';
import { createButton, createTextField, setDisabled, type TextField } from '../ui-kit';
import { FORM_FIELDS, buildHyperparameterPatch, fieldText, formFieldsFor } from './hyperparameter-patch';
import { formatCompact, type CurrentHyperparameters } from './view-model';

export interface HyperparameterForm {
  /** `optimizer`: the run's (manifest); fields that do not apply to it are hidden. */
  update(current: CurrentHyperparameters, enabled: boolean, optimizer?: string | null): void;
}

export function createHyperparameterForm(parent: HTMLElement, post: (intent: WebviewIntent) => void): HyperparameterForm {
  const form = document.createElement('form');
  form.id = 'hyperparameter-form';
  form.className = 'hyperparameter-form';
  form.noValidate = true;
  form.setAttribute('aria-label', 'Change hyperparameters during the run');

  const heading = document.createElement('h2');
  heading.textContent = 'Hyperparameters';
  const grid = document.createElement('div');
  grid.className = 'hp-fields';
  const feedback = document.createElement('p');
  feedback.id = 'hp-feedback';
  feedback.className = 'hp-feedback';
  feedback.setAttribute('role', 'alert');

  const fields = new Map<LiveHyperparameter, TextField>();
  for (const f of FORM_FIELDS) {
    const tf = createTextField({ id: `hp-${f.key}`, label: f.label, value: '', title: f.title, describedBy: 'hp-feedback', placeholder: f.key === 'T' ? 'auto' : undefined });
    fields.set(f.key, tf);
    grid.appendChild(tf.element);
  }
  const apply = createButton({ id: 'hp-apply', label: 'Apply', appearance: 'primary', type: 'submit', title: 'Applies at the next step boundary' });
  const actions = document.createElement('div');
  actions.className = 'hp-actions';
  actions.append(apply, feedback);
  form.append(heading, grid, actions);
  parent.appendChild(form);

  let current: CurrentHyperparameters = {};
  let enabled = false;

  const showFeedback = (text: string, kind: 'error' | 'info') => {
    feedback.textContent = text;
    feedback.classList.toggle('error', kind === 'error');
  };

  // While an error shows, every edit re-checks the form: the message and the red border go as soon
  // as the value is valid again (not only at the next Apply), and follow the field still at fault.
  const recheck = () => {
    if (!feedback.classList.contains('error')) return;
    const texts = Object.fromEntries([...fields].map(([k, tf]) => [k, tf.value]));
    const result = buildHyperparameterPatch(texts, current);
    for (const tf of fields.values()) tf.setInvalid(false);
    if (!result.ok && result.field) {
      fields.get(result.field)?.setInvalid(true);
      showFeedback(result.reason, 'error');
    } else showFeedback('', 'info');
  };
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!enabled) return;
    for (const tf of fields.values()) tf.setInvalid(false);
    const texts = Object.fromEntries([...fields].map(([k, tf]) => [k, tf.value]));
    const result = buildHyperparameterPatch(texts, current);
    if (!result.ok) {
      if (result.field) fields.get(result.field)?.setInvalid(true);
      showFeedback(result.reason, result.field ? 'error' : 'info');
      return;
    }
    post({ type: 'set-hyperparameters', values: result.patch });
    const sent = Object.entries(result.patch).map(([k, v]) => `${k}=${v === null ? 'auto' : formatCompact(v)}`).join(', ');
    showFeedback(`Sent ${sent}; applies at the next step boundary.`, 'info');
  });

  return {
    update(next, nowEnabled, optimizer) {
      const shown = new Set(formFieldsFor(optimizer));
      for (const [key, tf] of fields) tf.element.hidden = !shown.has(key);
      // Refresh only the fields the user is not editing (their text still shows the old value).
      for (const [key, tf] of fields) {
        if (tf.value.trim() === fieldText(current[key]) || current[key] === undefined) tf.value = fieldText(next[key]);
      }
      current = { ...next };
      enabled = nowEnabled;
      setDisabled(apply, !enabled);
      for (const tf of fields.values()) setDisabled(tf.element, !enabled);
    },
  };
}
