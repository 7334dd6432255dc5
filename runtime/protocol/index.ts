/** The one contract module shared by runtime, extension and webview. Browser-safe: no Node imports. */
export * from './config-types';
export * from './config-schema';
export * from './records';
export * from './messages';
export * from './optimizer-label';
export * from './experiments';
export * from './queue';
export * from './sweep-views';
