/**
 * Theme colours read from the CSS variables VS Code sets on the webview's <html> element, so the
 * canvas-drawn parts (charts, heatmap labels) follow the user's theme like the HTML parts do. Canvas
 * cannot use var(--x) directly, hence the lookup. Fallbacks keep a bare browser page readable.
 */

export interface ThemeColours {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  fontSize: number;
  blue: string;
  red: string;
  yellow: string;
  orange: string;
  green: string;
  purple: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readThemeColours(root: Element = document.documentElement): ThemeColours {
  const s = getComputedStyle(root);
  const foreground = cssVar(s, '--vscode-charts-foreground', cssVar(s, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    muted: cssVar(s, '--vscode-descriptionForeground', foreground),
    grid: cssVar(s, '--vscode-charts-lines', cssVar(s, '--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    fontFamily: cssVar(s, '--vscode-font-family', 'sans-serif'),
    fontSize: Number.parseFloat(cssVar(s, '--vscode-font-size', '13px')) || 13,
    blue: cssVar(s, '--vscode-charts-blue', '#3794ff'),
    red: cssVar(s, '--vscode-charts-red', '#f14c4c'),
    yellow: cssVar(s, '--vscode-charts-yellow', '#cca700'),
    orange: cssVar(s, '--vscode-charts-orange', '#d18616'),
    green: cssVar(s, '--vscode-charts-green', '#89d185'),
    purple: cssVar(s, '--vscode-charts-purple', '#b180d7'),
  };
}

/**
 * Call onChange when VS Code switches theme: it rewrites the variables on <html> (style attribute)
 * and the vscode-light/dark/high-contrast class on <body>.
 */
export function watchThemeChanges(onChange: () => void): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
