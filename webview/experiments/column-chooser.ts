/**
 * Choose and order the table's columns: the shown columns first, in order, each with move up /
 * move down; then every other column the model offers, unchecked. Checking one appends it;
 * "Default columns" goes back to the default layout. The page saves the result per workspace.
 */
import type { Column } from './columns';

export interface ColumnChooserOptions {
  shown: Column[];
  others: Column[];
  onChange(keys: string[]): void;
  onReset(): void;
}

export function renderColumnChooser(host: HTMLDetailsElement, o: ColumnChooserOptions): void {
  const wasOpen = host.open;
  host.replaceChildren();
  host.className = 'columns';
  const summary = document.createElement('summary');
  summary.textContent = `Columns (${o.shown.length})`;
  summary.id = 'columns-toggle';
  const list = document.createElement('ul');
  list.className = 'column-list';
  list.id = 'column-list';
  const keys = o.shown.map((c) => c.key);
  const item = (c: Column, checked: boolean, index: number) => {
    const li = document.createElement('li');
    li.dataset.col = c.key;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = checked;
    box.setAttribute('aria-label', `show ${c.label}`);
    box.addEventListener('change', () => o.onChange(checked ? keys.filter((k) => k !== c.key) : [...keys, c.key]));
    const label = document.createElement('span');
    label.textContent = c.label;
    label.title = `${c.title} (${c.key})`;
    li.append(box, label);
    if (checked) {
      const move = (delta: number, text: string, name: string) => {
        const b = document.createElement('button');
        b.textContent = text;
        b.dataset.move = name;
        b.setAttribute('aria-label', `move ${c.label} ${name}`);
        b.disabled = index + delta < 0 || index + delta >= keys.length;
        b.addEventListener('click', () => {
          const next = [...keys];
          [next[index], next[index + delta]] = [next[index + delta], next[index]];
          o.onChange(next);
        });
        return b;
      };
      li.append(move(-1, '↑', 'up'), move(1, '↓', 'down'));
    }
    return li;
  };
  const reset = document.createElement('button');
  reset.textContent = 'Default columns';
  reset.id = 'columns-reset';
  reset.addEventListener('click', () => o.onReset());
  const resetLi = document.createElement('li');
  resetLi.append(reset);
  list.append(resetLi, ...o.shown.map((c, i) => item(c, true, i)), ...o.others.map((c, i) => item(c, false, i)));
  host.append(summary, list);
  host.open = wasOpen;
}
