// Bundles the benchmark like the shipped runtime (esbuild, cjs, node20; onnxruntime-node external),
// so it times the same code the CLI runs: bench/out/bench.js and the kernel and pass workers next to it.
// Usage: node bench/build.mjs
import * as esbuild from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'], logLevel: 'warning', sourcemap: 'linked' };
await Promise.all([
  esbuild.build({ ...common, entryPoints: ['bench/main.ts'], outfile: 'bench/out/bench.js' }),
  esbuild.build({ ...common, entryPoints: ['runtime/rng/kernel-worker.ts'], outfile: 'bench/out/kernel-worker.js' }),
  esbuild.build({ ...common, entryPoints: ['runtime/engine/pass-worker.ts'], outfile: 'bench/out/pass-worker.js' }),
]);
