// Installs a real VS Code (code-server 4.100.3 = VS Code 1.100.3, the newest whose engines accept
// Node 20) into the git-ignored .e2e-cache/code-server, from nothing but the npm registry and Debian's
// packages (ripgrep, build-essential). Its own postinstall cannot be used: it refuses root and downloads
// ripgrep from GitHub, so its steps are done here one by one (docs: shared field notes, "code-server").
// A marker file written at the end makes a rerun take well under a second.
//
// Usage: node scripts/e2e/install-code-server.mjs   (prints the path of the code-server launcher)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const cacheDir = path.join(root, '.e2e-cache', 'code-server');
const pkgDir = path.join(cacheDir, 'node_modules', 'code-server');
const vscodeDir = path.join(pkgDir, 'lib', 'vscode');
const marker = path.join(cacheDir, `installed-${CODE_SERVER_VERSION}.ok`);
export const launcher = path.join(pkgDir, 'out', 'node', 'entry.js');

class StepError extends Error {}

function sh(step, cmd, argv, cwd, env = {}, { checkExit = true } = {}) {
  const r = spawnSync(cmd, argv, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new StepError(`install code-server, step "${step}": cannot run ${cmd}: ${r.error.message}`);
  if (checkExit && r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new StepError(`install code-server, step "${step}": \`${cmd} ${argv.join(' ')}\` in ${cwd} exited ${r.status}\n${tail}`);
  }
  return r;
}

function mustExist(step, files) {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new StepError(`install code-server, step "${step}": missing after the step: ${missing.map((f) => path.relative(cacheDir, f)).join(', ')}`);
}

function findNodeFile(dir) {
  // A native module's binary: build/Release/*.node somewhere under its folder.
  const rel = path.join(dir, 'build', 'Release');
  return fs.existsSync(rel) && fs.readdirSync(rel).some((f) => f.endsWith('.node'));
}

function link(target, linkPath) {
  fs.rmSync(linkPath, { force: true, recursive: true });
  fs.symlinkSync(target, linkPath);
}

export function installCodeServer(log = (m) => process.stderr.write(`[code-server] ${m}\n`)) {
  if (fs.existsSync(marker) && fs.existsSync(launcher)) return launcher;
  const which = spawnSync('sh', ['-c', 'command -v rg && command -v g++ && command -v make'], { encoding: 'utf8' });
  if (which.status !== 0) throw new StepError('install code-server, step "prerequisites": needs Debian packages ripgrep and build-essential (apt-get install ripgrep build-essential)');
  const rgPath = which.stdout.split('\n')[0].trim();
  const nodedir = fs.existsSync('/usr/include/node/node.h') ? '/usr' : path.resolve(path.dirname(process.execPath), '..');

  fs.mkdirSync(cacheDir, { recursive: true });
  if (!fs.existsSync(path.join(cacheDir, 'package.json'))) fs.writeFileSync(path.join(cacheDir, 'package.json'), '{ "private": true }\n');

  let t = Date.now();
  const done = (step) => { log(`${step}: ${((Date.now() - t) / 1000).toFixed(1)} s`); t = Date.now(); };

  sh('npm install code-server', 'npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], cacheDir);
  mustExist('npm install code-server', [launcher, path.join(vscodeDir, 'package.json')]);
  done('npm install code-server');

  // argon2 is loaded even with --auth none; its prebuilt download is not reachable, so build it.
  sh('rebuild argon2', 'npm', ['rebuild', 'argon2', `--nodedir=${nodedir}`], cacheDir, { npm_config_build_from_source: 'true' });
  const argonDir = path.join(cacheDir, 'node_modules', 'argon2');
  if (!findNodeFile(argonDir) && !fs.existsSync(path.join(argonDir, 'lib', 'binding'))) {
    throw new StepError('install code-server, step "rebuild argon2": no argon2 .node binary was built');
  }
  done('rebuild argon2');

  sh('install lib/vscode dependencies', 'npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts'], vscodeDir);
  done('install lib/vscode dependencies');

  // ripgrep: @vscode/ripgrep's postinstall would download it from GitHub; Debian's rg does the same job.
  const rgBin = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  fs.copyFileSync(rgPath, path.join(rgBin, 'rg'));
  fs.chmodSync(path.join(rgBin, 'rg'), 0o755);
  done('ripgrep');

  // Native modules of VS Code's server. node-pty's own post-step runs `npx node-gyp@...` (network) and
  // fails after pty.node is built: judge by the .node files, not the exit code.
  const natives = ['@vscode/spdlog', 'native-watchdog', '@vscode/deviceid', 'node-pty'];
  sh('rebuild native modules', 'npm', ['rebuild', ...natives, `--nodedir=${nodedir}`], vscodeDir, {}, { checkExit: false });
  const unbuilt = natives.filter((m) => !findNodeFile(path.join(vscodeDir, 'node_modules', m)));
  if (unbuilt.length) throw new StepError(`install code-server, step "rebuild native modules": no .node binary for ${unbuilt.join(', ')} (needs build-essential and python3)`);
  done('rebuild native modules');

  // The links code-server's postinstall.sh makes.
  link('node_modules', path.join(vscodeDir, 'node_modules.asar'));
  const remoteCli = path.join(vscodeDir, 'bin', 'remote-cli');
  if (fs.existsSync(path.join(remoteCli, 'code-linux.sh'))) link('code-linux.sh', path.join(remoteCli, 'code-server'));
  const helpers = path.join(vscodeDir, 'bin', 'helpers');
  if (fs.existsSync(path.join(helpers, 'browser-linux.sh'))) link('browser-linux.sh', path.join(helpers, 'browser.sh'));
  done('postinstall links');

  const builtinExt = path.join(vscodeDir, 'extensions');
  if (fs.existsSync(path.join(builtinExt, 'package.json'))) {
    sh('install built-in extensions dependencies', 'npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts'], builtinExt);
  }
  done('install built-in extensions dependencies');

  const v = sh('check code-server runs', process.execPath, [launcher, '--version'], cacheDir);
  if (!v.stdout.includes(CODE_SERVER_VERSION)) throw new StepError(`install code-server, step "check code-server runs": --version printed ${JSON.stringify(v.stdout.trim())}`);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  return launcher;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const t0 = Date.now();
    const l = installCodeServer();
    console.log(l);
    process.stderr.write(`[code-server] ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    console.error(e instanceof StepError ? e.message : e);
    process.exit(1);
  }
}
