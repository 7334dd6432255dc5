/**
 * The webview side of the VS Code API, typed: the panel may only post WebviewIntent messages.
 * acquireVsCodeApi may be called once per page, so this module calls it once and hands out the result.
 */
import type { WebviewIntent } from '../../runtime/protocol';

interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): RawVsCodeApi;

export interface PanelHost {
  post(intent: WebviewIntent): void;
  /** Small UI state that survives the page being hidden/reloaded. */
  readState(): Record<string, unknown>;
  /** Merge into the saved state: keys written by others (the host's serializer reads state.runDir) survive. */
  writeState(patch: Record<string, unknown>): void;
}

let host: PanelHost | null = null;

export function panelHost(): PanelHost {
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
