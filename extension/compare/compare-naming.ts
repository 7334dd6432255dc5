/** Compare panel naming (vscode-free, unit-tested): the panel's key, title and save-dialog filters. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The same set of runs (in any order) reuses one panel. */
export function compareKey(runDirs: readonly string[]): string {
  return [...new Set(runDirs.map((d) => path.resolve(d)))].sort().join('\n');
}

/** Longest run name a compare tab's title shows whole; longer ones keep their start and end. */
const TITLE_NAME_CHARS = 24;

/**
 * "sweep-demo …000 lr=0.003": names that differ only at the end (a sweep's runs) stay told apart,
 * which cutting the end off would not do.
 */
function shortName(name: string): string {
  if (name.length <= TITLE_NAME_CHARS) return name;
  const head = Math.ceil((TITLE_NAME_CHARS - 1) / 2);
  const tail = TITLE_NAME_CHARS - 1 - head;
  return `${name.slice(0, head)}…${name.slice(name.length - tail)}`;
}

/** A run's name as the user gave it (run.json, renamed in the Runs view), else its folder id. */
export function runNameOf(runDir: string): string {
  try {
    const name = (JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { name?: unknown }).name;
    if (typeof name === 'string' && name.trim()) return name.trim();
  } catch {
    // An unreadable run folder is still compared (the page says why); its id names it here.
  }
  return path.basename(runDir);
}

/** "Compare: demo-mezo, demo-helene +1": the first two run names, shortened, and how many more. */
export function comparePanelTitle(runNames: readonly string[]): string {
  const shown = runNames.slice(0, 2).map(shortName).join(', ');
  return `Compare: ${shown}${runNames.length > 2 ? ` +${runNames.length - 2}` : ''}`;
}

/** showSaveDialog filters for an export's suggested name (by extension). */
export function saveFilters(suggestedName: string): Record<string, string[]> {
  const ext = path.extname(suggestedName).slice(1).toLowerCase();
  const label: Record<string, string> = { csv: 'CSV', png: 'PNG image', svg: 'SVG image' };
  return ext ? { [label[ext] ?? ext.toUpperCase()]: [ext], 'All files': ['*'] } : { 'All files': ['*'] };
}
