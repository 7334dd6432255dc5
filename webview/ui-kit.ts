/**
 * The only module that knows about @vscode/webview-ui-toolkit. The toolkit is deprecated upstream
 * (archived), so every other module builds its controls through the helpers below; swapping it (for
 * example for @vscode-elements/elements, or plain themed HTML elements) means rewriting this file only.
 *
 * The helpers return plain HTMLElements plus tiny accessors, never toolkit classes.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Register the web components this panel uses (idempotent). Only what is used, to keep the bundle small. */
export function registerUiKit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField(), vsCodeDropdown(), vsCodeOption());
}

export interface ButtonOptions {
  id: string;
  label: string;
  appearance?: 'primary' | 'secondary';
  /** 'submit' submits the enclosing form (Enter in a text field presses it too). */
  type?: 'button' | 'submit';
  title?: string;
  onClick?: (event: Event) => void;
}

export function createButton(o: ButtonOptions): HTMLElement {
  const el = document.createElement('vscode-button') as HTMLElement & { appearance: string; type: string };
  el.id = o.id;
  el.textContent = o.label;
  // Properties, not attributes: vscode-button overrides attributeChangedCallback without calling
  // FAST's, so attributes set after creation never reach the component (a type="submit" set with
  // setAttribute would not submit the form). Setting the property reflects to the attribute.
  el.appearance = o.appearance ?? 'secondary';
  el.type = o.type ?? 'button';
  if (o.title) el.title = o.title;
  if (o.onClick) el.addEventListener('click', (event) => !isDisabled(el) && o.onClick!(event));
  return el;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export function isDisabled(el: HTMLElement): boolean {
  return el.hasAttribute('disabled');
}

export interface TextField {
  element: HTMLElement;
  value: string;
  /** Mark the field invalid (for assistive technology and the theme's error border) or valid. */
  setInvalid(invalid: boolean): void;
}

export interface TextFieldOptions {
  id: string;
  /** Visible label (the component renders a real <label> for its inner input). */
  label: string;
  value: string;
  placeholder?: string;
  /** id of the element that describes errors, linked with aria-describedby. */
  describedBy?: string;
  title?: string;
}

export function createTextField(o: TextFieldOptions): TextField {
  const el = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  el.id = o.id;
  el.textContent = o.label;
  el.setAttribute('value', o.value);
  el.value = o.value;
  if (o.placeholder) el.setAttribute('placeholder', o.placeholder);
  if (o.describedBy) el.setAttribute('aria-describedby', o.describedBy);
  if (o.title) el.title = o.title;
  return {
    element: el,
    get value() {
      return el.value ?? '';
    },
    set value(v: string) {
      el.value = v;
    },
    setInvalid(invalid) {
      el.toggleAttribute('aria-invalid', invalid);
      el.classList.toggle('invalid', invalid);
    },
  };
}

export interface DropdownOptions {
  id: string;
  /** Accessible name (the dropdown has no built-in label slot). */
  ariaLabel: string;
  options: readonly { value: string; label: string }[];
  selected: string;
  onChange(value: string): void;
}

export function createDropdown(o: DropdownOptions): HTMLElement {
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  el.id = o.id;
  el.setAttribute('aria-label', o.ariaLabel);
  for (const opt of o.options) {
    const option = document.createElement('vscode-option');
    option.setAttribute('value', opt.value);
    option.textContent = opt.label;
    if (opt.value === o.selected) option.setAttribute('selected', '');
    el.appendChild(option);
  }
  el.addEventListener('change', () => o.onChange(el.value));
  return el;
}

export interface CheckboxOptions {
  id: string;
  label: string;
  checked: boolean;
  title?: string;
  onChange(checked: boolean): void;
}

/** A native checkbox with its label (themed by panel.css): the toolkit's checkbox is not registered. */
export function createCheckbox(o: CheckboxOptions): { element: HTMLElement; set(checked: boolean): void } {
  const label = document.createElement('label');
  label.className = 'checkbox';
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.id = o.id;
  input.checked = o.checked;
  if (o.title) label.title = o.title;
  label.append(input, document.createTextNode(` ${o.label}`));
  input.addEventListener('change', () => o.onChange(input.checked));
  return { element: label, set: (checked) => (input.checked = checked) };
}

/**
 * A small pill label. Not the toolkit's vscode-badge: its template carries a style="" attribute that
 * a strict CSP (no 'unsafe-inline') reports as a violation; panel.css styles this span the same way.
 */
export function createBadge(text: string, id?: string): HTMLElement {
  const el = document.createElement('span');
  el.className = 'badge';
  if (id) el.id = id;
  el.textContent = text;
  return el;
}
