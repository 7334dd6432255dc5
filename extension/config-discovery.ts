/**
 * Which workspace JSON files are run configs. Cheap on purpose: one findFiles over a glob with the
 * heavy folders excluded, a size cap, and a parse only of small files. A file counts when it is
 * named *.helene.json or is a JSON object with both "model" and "optimizer" at the top level.
 */
export const RUN_CONFIG_GLOB = '**/*.json';
export const NAMED_CONFIG_SUFFIX = '.helene.json';
/** Folders never searched: dependencies, build output, VS Code test downloads. */
export const EXCLUDED_FOLDERS = ['node_modules', '.git', 'dist', 'out', '.vscode-test'];
export const MAX_CONFIG_BYTES = 256 * 1024;
export const MAX_CONFIG_FILES = 500;

/** The findFiles exclude glob; run folders hold config.json copies of past runs, so they go too. */
export function excludeGlob(runsFolder: string | undefined): string {
  const folders = [...EXCLUDED_FOLDERS];
  const relative = runsFolder?.replace(/\\/g, '/').replace(/^\.\/|\/$/g, '');
  if (relative && !relative.startsWith('/') && !/^[A-Za-z]:/.test(relative) && !relative.startsWith('..')) folders.push(relative);
  return `{${folders.map((f) => `**/${f}/**`).join(',')}}`;
}

export interface ConfigSummary {
  name?: string;
  optimizer?: string;
  steps?: number;
}

/** null when the text is not a run config; else what the quick pick shows about it. */
export function inspectRunConfig(fileName: string, text: string): ConfigSummary | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A broken *.helene.json is still offered: starting it shows the parse error, which helps.
    return fileName.endsWith(NAMED_CONFIG_SUFFIX) ? {} : null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fileName.endsWith(NAMED_CONFIG_SUFFIX) ? {} : null;
  const o = parsed as Record<string, unknown>;
  if (!fileName.endsWith(NAMED_CONFIG_SUFFIX) && !('model' in o && 'optimizer' in o)) return null;
  const optimizer = o.optimizer && typeof o.optimizer === 'object' ? (o.optimizer as Record<string, unknown>).name : undefined;
  return {
    name: typeof o.name === 'string' ? o.name : undefined,
    optimizer: typeof optimizer === 'string' ? optimizer : undefined,
    steps: typeof o.steps === 'number' ? o.steps : undefined,
  };
}
