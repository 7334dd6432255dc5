/** Manifest quality: what VS Code and the marketplace read, checked against the code it points at. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scaffoldDemoWorkspace } from '../../runtime/demo/scaffold';
import { COMMAND_IDS } from '../../extension/commands/command-ids';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('identity and marketplace fields are present', () => {
  for (const key of ['name', 'displayName', 'description', 'version', 'publisher', 'license', 'icon', 'repository', 'categories', 'keywords']) assert.ok(manifest[key], key);
  assert.ok(fs.existsSync(path.join(ROOT, manifest.icon)), 'icon file exists');
  assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')) && fs.existsSync(path.join(ROOT, 'CHANGELOG.md')));
});

test('engines.vscode matches the @types/vscode the code is compiled against', () => {
  const types = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@types/vscode/package.json'), 'utf8')).version as string;
  const engine = (manifest.engines.vscode as string).replace(/^\^/, '');
  const [eMaj, eMin] = engine.split('.').map(Number);
  const [tMaj, tMin] = types.split('.').map(Number);
  assert.ok(eMaj === tMaj && eMin >= tMin, `engines.vscode ${manifest.engines.vscode} must not be older than @types/vscode ${types}`);
});

test('runs where the workspace is, activates only on use, declares untrusted-workspace limits', () => {
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  for (const e of manifest.activationEvents as string[]) assert.match(e, /^onWebviewPanel:|^onCommand:|^onView:/, `activation event ${e} is not "on use"`);
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.ok(manifest.capabilities.untrustedWorkspaces.description);
});

test('every contributed command has a handler, and every handler is contributed', () => {
  const contributed = (manifest.contributes.commands as { command: string; category: string }[]).map((c) => c.command).sort();
  assert.deepEqual(contributed.filter((c) => Object.values(COMMAND_IDS).includes(c as never)).sort(), [...Object.values(COMMAND_IDS)].sort().filter((c) => contributed.includes(c)));
  for (const id of Object.values(COMMAND_IDS)) assert.ok(contributed.includes(id), `${id} registered but not contributed`);
  for (const c of manifest.contributes.commands) assert.equal(c.category, 'HELENE', c.command);
});

test('the walkthrough covers the first run and its media exist', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.deepEqual(walkthrough.steps.map((s: { id: string }) => s.id).slice(0, 4), ['demo', 'start', 'panel', 'compare']);
  for (const step of walkthrough.steps) assert.ok(fs.existsSync(path.join(ROOT, step.media.markdown)), step.media.markdown);
});

test('each walkthrough step shows its own page, titled as the step', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  const pages = walkthrough.steps.map((s: { media: { markdown: string } }) => s.media.markdown);
  assert.equal(new Set(pages).size, pages.length, `steps share a page: ${pages.join(', ')}`);
  for (const step of walkthrough.steps) {
    const heading = /^# (.+)$/m.exec(fs.readFileSync(path.join(ROOT, step.media.markdown), 'utf8'))?.[1];
    assert.equal(heading, step.title, `${step.media.markdown} is headed "${heading}", its step is "${step.title}"`);
  }
});

test('the walkthrough\'s demo page names every run config that "Create demo workspace" writes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-scaffold-'));
  scaffoldDemoWorkspace(dir);
  const configs = fs.readdirSync(dir).filter((f) => f.endsWith('.helene.json'));
  assert.ok(configs.length >= 3, configs.join(', '));
  const page = fs.readFileSync(path.join(ROOT, 'media/walkthrough/demo.md'), 'utf8');
  for (const c of configs) assert.ok(page.includes(`\`${c}\``), `media/walkthrough/demo.md does not mention ${c}`);
  const count = ['no', 'one', 'two', 'three', 'four', 'five'][configs.length];
  assert.match(page, new RegExp(`\\b${count} run configs\\b`), `the page should say "${count} run configs"`);
  fs.rmSync(dir, { recursive: true, force: true });
});
