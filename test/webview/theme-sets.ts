/**
 * The themes the webview theming tests load: VS Code 1.100's dark, light and high-contrast
 * variables and body class (test/webview/themes/*.json, dumped from code-server), and the page-side
 * start of their "colour of no theme variable" probes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const THEMES = ['dark', 'light', 'hc'] as const;
export type ThemeName = (typeof THEMES)[number];
export interface ThemeSet {
  bodyClass: string;
  variables: Record<string, string>;
}
export const themeSet = (name: ThemeName): ThemeSet => JSON.parse(fs.readFileSync(path.join(__dirname, 'themes', `${name}.json`), 'utf8'));

/**
 * Page-side source that defines `probe` (an element in the body), `rgb(c)` (colour c as the page
 * computes it) and `allowed` (the computed colour of every --vscode-* variable on <html>). A string,
 * not a function: tsx would wrap a function in esbuild's __name helper, which the page does not have.
 */
export const THEME_COLOURS_SOURCE = `
  const probe = document.createElement('i');
  document.body.append(probe);
  const rgb = (c) => { probe.style.color = ''; probe.style.color = c; return getComputedStyle(probe).color; };
  const allowed = new Set();
  const s = getComputedStyle(document.documentElement);
  for (let i = 0; i < document.documentElement.style.length; i++) {
    const name = document.documentElement.style[i];
    if (name.startsWith('--vscode-')) allowed.add(rgb(s.getPropertyValue(name).trim()));
  }`;
