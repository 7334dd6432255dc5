/**
 * Which provider really ran: no onnxruntime API says so, but every node event of a profile JSON
 * carries args.provider (field notes). The engine profiles its first run and reads the file back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Provider } from '../protocol';
import { ProviderError } from './provider';

export interface ProviderReport {
  /** The provider that executed the most nodes. */
  provider: Provider;
  /** Node counts per ORT provider name, e.g. { CPUExecutionProvider: 12 }. */
  nodesByProvider: Record<string, number>;
}

/** Read and delete the profile files written under `prefix` (a path prefix inside a temp folder). */
export function readProfile(prefix: string): ProviderReport {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(base) && f.endsWith('.json'));
  if (files.length === 0) throw new Error(`onnxruntime wrote no profile under ${dir}`);
  const nodesByProvider: Record<string, number> = {};
  for (const f of files) {
    let events: { cat?: string; args?: { provider?: string } }[];
    try {
      events = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      // onnxruntime writes the profile itself and ignores a full disk: the file is then cut short.
      throw new ProviderError(`onnxruntime's profile ${path.join(dir, f)} is unreadable (${(e as Error).message}); is the disk full?`);
    }
    for (const e of events) {
      const p = e.args?.provider;
      if (e.cat === 'Node' && p) nodesByProvider[p] = (nodesByProvider[p] ?? 0) + 1;
    }
    fs.rmSync(path.join(dir, f), { force: true });
  }
  const cuda = nodesByProvider.CUDAExecutionProvider ?? 0;
  const total = Object.values(nodesByProvider).reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('the onnxruntime profile lists no node events');
  return { provider: cuda > 0 ? 'cuda' : 'cpu', nodesByProvider };
}
