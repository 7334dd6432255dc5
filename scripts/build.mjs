// Builds the three bundles with esbuild (field notes: extension cjs/node, runtime cjs/node,
// webview iife/browser; onnxruntime-node stays external and ships per platform).
// Usage: node scripts/build.mjs [--production]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning' };

const nodeEntries = [
  { in: 'runtime/cli.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
  { in: 'runtime/rng/kernel-worker.ts', out: 'dist/kernel-worker.js' },
  { in: 'runtime/engine/pass-worker.ts', out: 'dist/pass-worker.js' },
  { in: 'extension/activate.ts', out: 'dist/extension.js' },
];
const browserEntries = [
  { in: 'webview/panel/main.ts', out: 'dist/webview/panel.js' },
  { in: 'webview/compare/main.ts', out: 'dist/webview/compare.js' },
  { in: 'webview/experiments/main.ts', out: 'dist/webview/experiments.js' },
  { in: 'webview/sweep/main.ts', out: 'dist/webview/sweep.js' },
];

const present = (entries) => entries.filter((e) => fs.existsSync(e.in));
const builds = [
  ...present(nodeEntries).map((e) =>
    esbuild.build({
      ...common,
      entryPoints: [e.in],
      outfile: e.out,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'onnxruntime-node'],
      banner: e.banner ? { js: e.banner } : undefined,
    }),
  ),
  ...present(browserEntries).map((e) =>
    esbuild.build({ ...common, entryPoints: [e.in], outfile: e.out, platform: 'browser', format: 'iife', target: 'es2022' }),
  ),
];
await Promise.all(builds);
if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
console.log(`built ${builds.length} bundle(s)${production ? ' (production)' : ''}`);
