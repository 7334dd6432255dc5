/**
 * The controls above the per-layer heatmap and table: a name filter and "group by block". Both
 * views read the same options (layer-groups.ts), so what the heatmap shows is what the table lists.
 */
import { createCheckbox, createTextField } from '../ui-kit';
import type { LayerViewOptions } from './layer-groups';

export interface LayerToolbar {
  /** "showing 12 of 300 tensors", or empty when everything is shown ungrouped. */
  setSummary(text: string): void;
}

export function createLayerToolbar(parent: HTMLElement, initial: LayerViewOptions, onChange: (options: LayerViewOptions) => void): LayerToolbar {
  const bar = document.createElement('div');
  bar.className = 'layer-toolbar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Which layers the heatmap and the table show');
  const options = { ...initial };
  const filter = createTextField({ id: 'layer-filter', label: 'Filter layers', value: options.filter, placeholder: 'e.g. attn 11', title: 'Space-separated words that a layer name must all contain' });
  filter.element.addEventListener('input', () => {
    options.filter = filter.value;
    onChange({ ...options });
  });
  const group = createCheckbox({
    id: 'layer-group',
    label: 'Group by block',
    checked: options.groupByBlock,
    title: 'One row per block (the name up to its first number, e.g. model.layers.11): sizes add, RMS values combine exactly, h and steps are size-weighted means',
    onChange: (checked) => {
      options.groupByBlock = checked;
      onChange({ ...options });
    },
  });
  const summary = document.createElement('span');
  summary.id = 'layer-summary';
  summary.className = 'layer-summary';
  summary.setAttribute('aria-live', 'polite');
  bar.append(filter.element, group.element, summary);
  parent.appendChild(bar);
  return {
    setSummary(text) {
      if (summary.textContent !== text) summary.textContent = text;
    },
  };
}
