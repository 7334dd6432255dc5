/**
 * Makes `import * as vscode from 'vscode'` resolve to ./vscode.ts in a unit test process, so host
 * code that needs the VS Code API (the run panel) runs here. Import this before the code under test.
 */
import Module from 'node:module';
import * as path from 'node:path';

const fake = path.join(__dirname, 'vscode.ts');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? original.call(this, fake, ...rest) : original.call(this, request, ...rest);
};
