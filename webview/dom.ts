/**
 * Small DOM builders shared by the compare, sweep and experiments pages. Text goes in through
 * textContent only (never innerHTML), so run names and notes cannot inject markup under the CSP.
 */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', id = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (id) e.id = id;
  return e;
}

/** A control with its label in front (label.control > span.control-label + control). */
export function labelled(text: string, control: HTMLElement): HTMLElement {
  const l = el('label', 'control');
  const span = el('span', 'control-label');
  span.textContent = text;
  l.append(span, control);
  return l;
}

export function heading(text: string): HTMLElement {
  const h = el('h2', 'section');
  h.textContent = text;
  return h;
}

export function caption(text: string): HTMLElement {
  const p = el('p', 'caption');
  p.textContent = text;
  return p;
}

/** The host's messages: anything that is not an object with a string `type` is ignored. */
export function onHostMessage<M extends { type: string }>(handle: (message: M) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const msg: unknown = event.data;
    if (typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string') handle(msg as M);
  });
}

/** The page's notice line (#notice, role=status), which showNotice fills. */
export function noticeLine(): HTMLElement {
  const notice = el('div', 'notice', 'notice');
  notice.setAttribute('role', 'status');
  return notice;
}

/** A notice line (role=status) set from a host 'notice' message. */
export function showNotice(notice: HTMLElement, message: { level: string; text: string }): void {
  notice.textContent = message.text;
  notice.className = `notice ${message.level}`;
}
