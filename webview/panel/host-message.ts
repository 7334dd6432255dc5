/**
 * Shape check of messages arriving on window 'message': the host is our own extension, but other
 * code in the page (toolkit internals, devtools) can post too, so anything that is not a
 * HostToWebview is ignored instead of crashing the reducer.
 */
import type { HostToWebview } from '../../runtime/protocol';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asHostMessage(data: unknown): HostToWebview | null {
  if (!isObject(data)) return null;
  switch (data.type) {
    case 'snapshot':
      return isObject(data.snapshot) && Array.isArray(data.snapshot.records) ? (data as unknown as HostToWebview) : null;
    case 'snapshot-json':
      return typeof data.json === 'string' ? (data as unknown as HostToWebview) : null;
    case 'append':
      return Array.isArray(data.records) ? (data as unknown as HostToWebview) : null;
    case 'status':
      return isObject(data.status) && typeof data.status.state === 'string' ? (data as unknown as HostToWebview) : null;
    case 'notice':
      return typeof data.text === 'string' && (data.level === 'info' || data.level === 'error') ? (data as unknown as HostToWebview) : null;
    default:
      return null;
  }
}
