/** Compare panel naming (vscode-free, unit-tested): the panel's key, title and save-dialog filters. */
import * as path from 'node:path';

/** The same set of runs (in any order) reuses one panel. */
export function compareKey(runDirs: readonly string[]): string {
  return [...new Set(runDirs.map((d) => path.resolve(d)))].sort().join('\n');
}

export function comparePanelTitle(runDirs: readonly string[]): string {
  const names = runDirs.map((d) => path.basename(d));
  const shown = names.slice(0, 2).join(' vs ');
  return `HELENE compare · ${shown}${names.length > 2 ? ` +${names.length - 2}` : ''}`;
}

/** showSaveDialog filters for an export's suggested name (by extension). */
export function saveFilters(suggestedName: string): Record<string, string[]> {
  const ext = path.extname(suggestedName).slice(1).toLowerCase();
  const label: Record<string, string> = { csv: 'CSV', png: 'PNG image', svg: 'SVG image' };
  return ext ? { [label[ext] ?? ext.toUpperCase()]: [ext], 'All files': ['*'] } : { 'All files': ['*'] };
}
