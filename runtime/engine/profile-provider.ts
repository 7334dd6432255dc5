/**
 * Which provider really ran: no onnxruntime API says so, but every node event of a profile JSON
 * carries args.provider (field notes). The engine profiles its first run and reads the file back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Provider } from '../protocol';
import { ProviderError } from './provider';

export interface ProviderReport {
  /** The GPU provider that executed any node, else cpu (see providerOfNodes). */
  provider: Provider;
  /** Node counts per ORT provider name, e.g. { CPUExecutionProvider: 12 }. */
  nodesByProvider: Record<string, number>;
  /** Op types of the nodes that ran on the CPU EP, with their counts (beside a GPU provider: what fell back to the CPU). */
  cpuOps: Record<string, number>;
  /** The op types that took the most host time in the profiled runs (µs summed), slowest first, at most 8. */
  slowestOps: { op: string; provider: string; us: number; nodes: number }[];
}

/** Read and delete the profile files written under `prefix` (a path prefix inside a temp folder). */
export function readProfile(prefix: string): ProviderReport {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(base) && f.endsWith('.json'));
  if (files.length === 0) throw new Error(`onnxruntime wrote no profile under ${dir}`);
  const nodesByProvider: Record<string, number> = {};
  const cpuOps: Record<string, number> = {};
  const byOp = new Map<string, { op: string; provider: string; us: number; nodes: number }>();
  for (const f of files) {
    let events: { cat?: string; dur?: number; args?: { provider?: string; op_name?: string } }[];
    try {
      events = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      // onnxruntime writes the profile itself and ignores a full disk: the file is then cut short.
      throw new ProviderError(`onnxruntime's profile ${path.join(dir, f)} is unreadable (${(e as Error).message}); is the disk full?`);
    }
    for (const e of events) {
      const p = e.args?.provider;
      if (e.cat !== 'Node' || !p) continue;
      nodesByProvider[p] = (nodesByProvider[p] ?? 0) + 1;
      const op = e.args?.op_name ?? '?';
      if (p === ORT_PROVIDER_NAMES.cpu) cpuOps[op] = (cpuOps[op] ?? 0) + 1;
      const key = `${op} ${p}`;
      const entry = byOp.get(key) ?? { op, provider: p, us: 0, nodes: 0 };
      entry.us += e.dur ?? 0;
      entry.nodes++;
      byOp.set(key, entry);
    }
    fs.rmSync(path.join(dir, f), { force: true });
  }
  const total = Object.values(nodesByProvider).reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('the onnxruntime profile lists no node events');
  const slowestOps = [...byOp.values()].sort((a, b) => b.us - a.us).slice(0, 8);
  return { provider: providerOfNodes(nodesByProvider), nodesByProvider, cpuOps, slowestOps };
}

/** ORT's provider names in profile events, for the providers the project selects. */
export const ORT_PROVIDER_NAMES: Record<Provider, string> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
};

/**
 * A GPU provider "ran" when it executed any node: ORT always places shape and small integer nodes
 * on the CPU beside a GPU provider, so a majority rule would misreport a GPU session.
 */
export function providerOfNodes(nodesByProvider: Record<string, number>): Provider {
  if ((nodesByProvider[ORT_PROVIDER_NAMES.cuda] ?? 0) > 0) return 'cuda';
  if ((nodesByProvider[ORT_PROVIDER_NAMES.webgpu] ?? 0) > 0) return 'webgpu';
  return 'cpu';
}
