/**
 * The header: run name and optimizer, state, step / total, latest loss and evaluation, and the
 * provider that really runs the graph — with "requested auto → cpu" and the reason when the run fell
 * back, because a run silently on CPU is the surprise users most need to see.
 */
import { runColourMap, themeKind } from '../run-colours';
import { createBadge } from '../ui-kit';
import { formatCount, formatSignificant } from './number-format';
import type { StatusView } from './view-model';

export interface StatusHeader {
  update(view: StatusView): void;
}

function field(parent: HTMLElement, id: string, label: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'status-field';
  const name = document.createElement('span');
  name.className = 'status-label';
  name.textContent = label;
  const value = document.createElement('span');
  value.className = 'status-value';
  value.id = id;
  wrap.append(name, value);
  parent.appendChild(wrap);
  return value;
}

export function createStatusHeader(parent: HTMLElement): StatusHeader {
  const header = document.createElement('header');
  header.className = 'status-header';
  header.setAttribute('aria-label', 'Run status');

  const title = document.createElement('h1');
  title.id = 'run-title';
  const state = createBadge('', 'run-state');
  // The run's colour chip: the colour the compare page gives this run (the same function, by run id).
  const colour = document.createElement('span');
  colour.id = 'run-colour';
  colour.className = 'run-colour';
  colour.title = "this run's colour in comparisons";
  const titleRow = document.createElement('div');
  titleRow.className = 'status-title-row';
  titleRow.append(colour, title, state);

  const fields = document.createElement('div');
  fields.className = 'status-fields';
  const step = field(fields, 'run-step', 'step');
  const loss = field(fields, 'run-loss', 'loss');
  const evalLoss = field(fields, 'run-eval', 'eval loss / acc');
  const provider = field(fields, 'run-provider', 'provider');

  const fallback = document.createElement('p');
  fallback.id = 'run-fallback';
  fallback.className = 'status-fallback';
  const message = document.createElement('p');
  message.id = 'run-message';
  message.className = 'status-message';

  const automatic = document.createElement('p');
  automatic.id = 'run-automatic';
  automatic.className = 'status-message';

  header.append(titleRow, fields, fallback, automatic, message);
  parent.appendChild(header);

  return {
    update(v) {
      const c = v.runId ? runColourMap([v.runId], themeKind()).get(v.runId) : undefined;
      colour.hidden = !c;
      // CSSOM, which the CSP allows (a style="" attribute would be refused).
      colour.style.backgroundColor = c ?? '';
      colour.dataset.runColour = c ?? '';
      title.textContent = [v.runName ?? 'Run', v.optimizer ? `· ${v.optimizer}` : '', v.live ? '' : '(recorded)'].filter(Boolean).join(' ');
      state.textContent = v.state;
      state.dataset.state = v.state;
      step.textContent = v.totalSteps === null ? formatCount(v.step) : `${formatCount(v.step)} / ${formatCount(v.totalSteps)}`;
      loss.textContent = formatSignificant(v.loss);
      evalLoss.textContent =
        v.evalLoss === null ? '—' : `${formatSignificant(v.evalLoss)}${v.accuracy === null ? '' : ` / ${(v.accuracy * 100).toFixed(1)}%`}`;
      provider.textContent = v.provider === null ? '—' : v.concurrentPasses ? `${v.provider} · ±eps passes side by side` : v.provider;
      fallback.hidden = v.fallback === null;
      fallback.textContent = v.fallback ? `requested ${v.fallback.requested} → ${v.fallback.actual}: ${v.fallback.reason}` : '';
      automatic.hidden = v.automatic.length === 0;
      automatic.textContent = v.automatic.map((line) => `automatic: ${line}`).join('\n');
      const text = v.error ?? v.message;
      message.hidden = !text;
      message.textContent = text ?? '';
      message.classList.toggle('error', Boolean(v.error));
    },
  };
}
