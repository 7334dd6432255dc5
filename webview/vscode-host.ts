/**
 * The webview side of the VS Code API, typed by the intents a page may post (the panel posts
 * WebviewIntent, the compare page CompareIntent). acquireVsCodeApi may be called once per page, so
 * the first host made is cached and handed out again.
 */
interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): RawVsCodeApi;

export interface WebviewHost<Intent> {
  post(intent: Intent): void;
  /** Small UI state that survives the page being hidden/reloaded. */
  readState(): Record<string, unknown>;
  /** Merge into the saved state: keys written by others (the host's serializer reads state.runDir) survive. */
  writeState(patch: Record<string, unknown>): void;
}

let host: WebviewHost<unknown> | null = null;

export function webviewHost<Intent>(): WebviewHost<Intent> {
  if (host) return host as WebviewHost<Intent>;
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
  return host as WebviewHost<Intent>;
}
