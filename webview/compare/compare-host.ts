/** The compare page's host: it may only post CompareIntent messages. */
import type { CompareIntent } from '../../runtime/protocol';
import { webviewHost, type WebviewHost } from '../vscode-host';

export type CompareHost = WebviewHost<CompareIntent>;

export const compareHost = (): CompareHost => webviewHost<CompareIntent>();
