// `npm run package`: a .vsix per platform target that installs and works offline.
// The bundles (dist/) hold all JavaScript; onnxruntime-node stays external because its native
// binaries differ per platform, so each target's package carries only its own binaries.
// A staging folder gives exact control of what ships (the test lists it: test/unit/package.test.ts).
//
// Usage: node scripts/package.mjs [--target linux-x64] [--list] [--skip-build]
//   --list   stage and print the file list (vsce ls) without writing the .vsix
// Other targets: --target darwin-arm64 | win32-x64 | linux-arm64 | win32-arm64 (built on any OS:
// onnxruntime-node's npm package ships every platform's binaries).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const target = option('--target', `${process.platform}-${process.arch}`);
const [platform, arch] = target.split('-');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stage = path.join(root, 'out', `package-${target}`);

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
  return r.stdout;
}
function copy(rel, filter = () => true) {
  const src = path.join(root, rel);
  if (!fs.existsSync(src)) throw new Error(`missing ${rel}: run the build first`);
  fs.cpSync(src, path.join(stage, rel), { recursive: true, filter: (p) => filter(path.relative(root, p)) });
}

if (!flag('--skip-build')) run(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], root);
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

copy('dist', (p) => !p.endsWith('.map'));
copy('media');
for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md']) copy(f);
const ortBin = path.join('node_modules', 'onnxruntime-node', 'bin', 'napi-v6', platform, arch);
if (!fs.existsSync(path.join(root, ortBin))) throw new Error(`onnxruntime-node has no binaries for ${target} (${ortBin})`);
copy('node_modules/onnxruntime-node', (p) => {
  const rel = p.split(path.sep).slice(2).join('/'); // inside the package
  if (rel === '' || rel === 'package.json' || rel === 'LICENSE' || rel === 'dist' || rel === 'bin' || rel === 'bin/napi-v6') return true;
  if (rel.startsWith('dist/')) return rel.endsWith('.js') || rel.endsWith('package.json') || !rel.includes('.');
  if (rel.startsWith('bin/napi-v6/')) return `bin/napi-v6/${platform}/${arch}`.startsWith(rel) || rel.startsWith(`bin/napi-v6/${platform}/${arch}/`);
  return false;
});
copy('node_modules/onnxruntime-common', (p) => {
  const rel = p.split(path.sep).slice(2).join('/');
  // dist/cjs/package.json says "type": "commonjs" (the package root says "module"): it must ship.
  return rel === '' || rel === 'package.json' || rel === 'LICENSE' || rel === 'dist' || rel === 'dist/cjs' || (rel.startsWith('dist/cjs/') && (rel.endsWith('.js') || rel.endsWith('package.json') || !rel.includes('.')));
});

// onnxruntime-node's adm-zip and global-agent serve only its install-time download (skipped here):
// drop them and its install script, so `npm list` in the stage is complete and nothing runs on install.
const ortManifestPath = path.join(stage, 'node_modules', 'onnxruntime-node', 'package.json');
const ortManifest = JSON.parse(fs.readFileSync(ortManifestPath, 'utf8'));
ortManifest.dependencies = { 'onnxruntime-common': ortManifest.dependencies['onnxruntime-common'] };
delete ortManifest.scripts;
fs.writeFileSync(ortManifestPath, JSON.stringify(ortManifest, null, 2) + '\n');

// The manifest as shipped: no dev tooling, no scripts that would rebuild inside the stage.
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
delete manifest.devDependencies;
delete manifest.scripts;
manifest.dependencies = { 'onnxruntime-node': manifest.dependencies['onnxruntime-node'] };
fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
fs.writeFileSync(path.join(stage, '.vscodeignore'), '**/*.map\n**/*.ts\n');

const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
if (flag('--list')) {
  process.stdout.write(run(process.execPath, [vsce, 'ls'], stage));
} else {
  const out = path.join(root, `${manifest.name}-${manifest.version}-${target}.vsix`);
  run(process.execPath, [vsce, 'package', '--target', target, '--out', out], stage);
  console.log(`${path.relative(root, out)}: ${(fs.statSync(out).size / 1e6).toFixed(1)} MB`);
}
