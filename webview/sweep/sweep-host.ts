/** The sweep views page's host: it may only post SweepViewsIntent messages. */
import type { SweepViewsIntent } from '../../runtime/protocol';
import { webviewHost, type WebviewHost } from '../vscode-host';

export type SweepViewsHost = WebviewHost<SweepViewsIntent>;

export const sweepViewsHost = (): SweepViewsHost => webviewHost<SweepViewsIntent>();
