/** Shared set-up for runtime tests: a small demo workspace in a temp folder and config loading. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDemoWorkspace, type DemoFiles } from '../../runtime/demo/demo-task';
import { loadConfig } from '../../runtime/cli/config-file';
import { parseOverride } from '../../runtime/cli/config-file';
import type { ResolvedConfig } from '../../runtime/protocol';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `helene-${prefix}-`));
}

let cached: DemoFiles | null = null;
/** One demo workspace per test process (model + data are deterministic, so sharing is safe). */
export function demoWorkspace(): DemoFiles {
  if (!cached) cached = writeDemoWorkspace(tempDir('demo'), { steps: 200, batchSize: 32, mezoLr: 0.002, heleneLr: 0.003 });
  return cached;
}

export function demoConfig(optimizer: 'mezo' | 'helene', overrides: string[] = []): ResolvedConfig {
  const files = demoWorkspace();
  const file = optimizer === 'mezo' ? files.configs.mezo : files.configs.helene;
  return loadConfig(file, [`output.runsDir=${JSON.stringify(tempDir('runs'))}`, ...overrides].map(parseOverride)).config;
}
