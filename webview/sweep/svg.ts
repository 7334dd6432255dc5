/**
 * Tiny SVG element helpers. Presentation goes through attributes and classes (the stylesheet
 * carries the theme's variables), never a style="" attribute, which the page's CSP refuses.
 */
const NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, className?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (className) el.setAttribute('class', className);
  return el;
}

/** A text element with its content. */
export function svgText(text: string, attrs: Record<string, string | number>, className?: string): SVGTextElement {
  const t = svgEl('text', attrs, className);
  t.textContent = text;
  return t;
}

/** A hover tooltip (SVG's own <title> child). */
export function svgTitle(parent: SVGElement, text: string): void {
  const t = svgEl('title');
  t.textContent = text;
  parent.append(t);
}

/** The last segment of a dotted key: "optimizer.lr" → "lr" (the full key goes in the tooltip). */
export function shortKey(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}
