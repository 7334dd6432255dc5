/** Builds webview/<page>/main.ts the way scripts/build.mjs does (iife, browser), in memory: fast, no files. */
import * as esbuild from 'esbuild';
import * as path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '..', '..');

export async function buildPanelBundle(): Promise<string> {
  return buildWebviewBundle('panel');
}

/** webview/<page>/main.ts as the iife the extension ships (panel, compare, experiments, sweep). */
export async function buildWebviewBundle(page: 'panel' | 'compare' | 'experiments' | 'sweep'): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'webview', page, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
