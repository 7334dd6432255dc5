/**
 * The compare page's side of the VS Code API, typed: it may only post CompareIntents.
 * acquireVsCodeApi may be called once per page, hence the cached result.
 */
import type { CompareIntent } from '../../runtime/protocol';

interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): RawVsCodeApi;

export interface CompareHost {
  post(intent: CompareIntent): void;
  readState(): Record<string, unknown>;
  writeState(patch: Record<string, unknown>): void;
}

let host: CompareHost | null = null;

export function compareHost(): CompareHost {
  if (host) return host;
  const api = acquireVsCodeApi();
  const readState = (): Record<string, unknown> => {
    const s = api.getState();
    return typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
  };
  host = {
    post: (intent) => api.postMessage(intent),
    readState,
    writeState: (patch) => api.setState({ ...readState(), ...patch }),
  };
  return host;
}
