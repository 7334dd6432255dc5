/**
 * Runs the extension's integration suite inside a real VS Code (@vscode/test-electron).
 * VS Code is not downloaded here: set VSCODE_EXECUTABLE to a VS Code binary, otherwise the suite is
 * skipped with a message (exit 0). Usage: npm run build && node --import tsx test/vscode/run.ts
 *
 * It writes the demo task (model, data, configs) into a temporary workspace, bundles the suite
 * with esbuild (VS Code's extension host loads plain CommonJS) and launches VS Code on it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { writeDemoWorkspace } from '../../runtime/demo/demo-task';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<number> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable) {
    console.log('test/vscode: skipped — set VSCODE_EXECUTABLE to a VS Code binary (e.g. /usr/share/code/code) to run the integration suite.');
    return 0;
  }
  if (!fs.existsSync(executable)) {
    console.error(`test/vscode: VSCODE_EXECUTABLE=${executable} does not exist`);
    return 1;
  }
  for (const bundle of ['dist/extension.js', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(ROOT, bundle))) {
      console.error(`test/vscode: ${bundle} is missing; run "npm run build" first`);
      return 1;
    }
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-vscode-test-'));
  const workspace = path.join(scratch, 'workspace');
  // Long enough that pause/resume/stop act on a live run; the suite stops it.
  const demo = writeDemoWorkspace(workspace, { steps: 200_000, batchSize: 32, mezoLr: 0.002, heleneLr: 0.003 });
  fs.writeFileSync(path.join(workspace, 'broken.helene.json'), JSON.stringify({ model: { path: 'demo-mlp.onnx' }, data: { train: 'train.jsonl' }, optimizer: { name: 'helene', lr: -1, lrr: 2 } }, null, 2));
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'heleneStudio.provider': 'cpu', 'heleneStudio.statsInterval': 100 }, null, 2));

  const suite = path.join(ROOT, 'out', 'vscode-test', 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite', 'index.ts')],
    outfile: suite,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });

  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    extensionTestsEnv: { HELENE_TEST_WORKSPACE: workspace, HELENE_TEST_CONFIG: demo.configs.helene },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', path.join(scratch, 'user-data')],
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error('test/vscode: failed:', e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
