/** The run panel's host: it may only post WebviewIntent messages. */
import type { WebviewIntent } from '../../runtime/protocol';
import { webviewHost, type WebviewHost } from '../vscode-host';

export type PanelHost = WebviewHost<WebviewIntent>;

export const panelHost = (): PanelHost => webviewHost<WebviewIntent>();
