/** Shared set-up for runtime tests: a small demo workspace in a temp folder and config loading. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDemoWorkspace, type DemoFiles } from '../../runtime/demo/demo-task';
import { loadConfig } from '../../runtime/cli/config-file';
import { parseOverride } from '../../runtime/cli/config-file';
import type { MetricRecord, ResolvedConfig } from '../../runtime/protocol';
import { loadLatestCheckpoint } from '../../runtime/run/checkpoint';

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

/** The deterministic part of metric records: everything but events, timing and wall clock (for bit-exact resume checks). */
export function comparable(records: MetricRecord[]): unknown[] {
  return records
    .filter((r) => r.kind !== 'event')
    .map((r) => {
      if (r.kind === 'step') {
        const { timing, wallMs, examplesPerSec, ...rest } = r;
        return rest;
      }
      if (r.kind === 'eval') {
        const { wallMs, ...rest } = r;
        return rest;
      }
      return r;
    });
}

/** The newest checkpoint's tensors as bytes (weights and optimizer state), to compare two runs bit for bit. */
export function latestCheckpointTensors(runDir: string): Map<string, Buffer> {
  const latest = loadLatestCheckpoint(runDir)!;
  return new Map([...latest.data.tensors].map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength)]));
}
