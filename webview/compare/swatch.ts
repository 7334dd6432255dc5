/**
 * A run's colour chip (legend, tables). The colour is set through the CSSOM (element.style), which
 * a strict CSP allows; a style="" attribute in markup would be a violation.
 */
export function createSwatch(colour: string | undefined): HTMLElement {
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  if (colour) {
    swatch.style.backgroundColor = colour;
    swatch.dataset.colour = colour;
  }
  return swatch;
}
