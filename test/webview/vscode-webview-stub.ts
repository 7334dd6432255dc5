/**
 * What VS Code provides inside a webview, imitated for the headless-browser tests: the
 * acquireVsCodeApi() object (posted messages are recorded in window.__posted, state in
 * window.__savedState), the dark theme's CSS variables on <html> (VS Code sets them through the
 * CSSOM, which a strict CSP allows) and the vscode-dark body class. CSP violations are recorded in
 * window.__cspViolations so the tests can assert there are none.
 */

/** A subset of VS Code's Dark Modern theme variables: what the panel, the toolkit and the charts read. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-button-border': '#ffffff12',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-activeSelectionForeground': '#ffffff',
  '--vscode-textBlockQuote-background': '#2b2b2b',
  '--vscode-notificationsInfoIcon-foreground': '#3794ff',
  '--vscode-notificationsErrorIcon-foreground': '#f14c4c',
  '--vscode-charts-foreground': '#cccccc',
  '--vscode-charts-lines': '#cccccc33',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
};

/** VS Code's Light Modern theme: the variables of DARK_THEME with their light values. */
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWarning-foreground': '#bf8803',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-button-border': '#0000001a',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-input-placeholderForeground': '#767676',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-list-activeSelectionBackground': '#e8e8e8',
  '--vscode-list-activeSelectionForeground': '#000000',
  '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
  '--vscode-textBlockQuote-background': '#f8f8f8',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-charts-foreground': '#3b3b3b',
  '--vscode-charts-lines': '#3b3b3b33',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-purple': '#652d90',
};

/** Source of the init script (runs before the page's own scripts). */
export function webviewStubScript(theme: Record<string, string> = DARK_THEME, initialState: unknown = undefined, themeClass?: string): string {
  const bodyClass = themeClass ?? (theme === LIGHT_THEME ? 'vscode-light' : 'vscode-dark');
  return `(() => {
  const theme = ${JSON.stringify(theme)};
  let state = ${JSON.stringify(initialState ?? null)};
  window.__posted = [];
  window.__cspViolations = [];
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => { state = s; window.__savedState = JSON.parse(JSON.stringify(s)); return s; },
    });
  };
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
  });
  document.addEventListener('DOMContentLoaded', () => {
    for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
    document.body.classList.add(${JSON.stringify(bodyClass)});
    // VS Code also names the theme kind in an attribute (the UI toolkit reads it for high contrast).
    document.body.setAttribute('data-vscode-theme-kind', ${JSON.stringify(bodyClass)});
  }, { once: true });
})();`;
}
