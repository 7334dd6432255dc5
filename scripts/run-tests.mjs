// Runs every test tier that can run without VS Code: test/unit, test/runtime, test/webview.
// (A shell glob that matches nothing would be passed literally and fail, hence this script.)
// Usage: node scripts/run-tests.mjs [tier ...]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'runtime', 'webview'];
const files = tiers.flatMap((tier) => {
  const dir = path.join('test', tier);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f)) : [];
});
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// One file at a time: the runtime tests time-share 2 cores and spawn processes of their own.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--import', 'tsx', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
