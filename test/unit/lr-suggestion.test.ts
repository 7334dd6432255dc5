/**
 * The start form's learning-rate step, vscode-free (extension/lr-suggestion.ts), against the real
 * runtime: `dist/cli.js lr-find --json` on a scaffolded demo workspace (run `npm run build` first),
 * the child process the form starts (progress lines, cancellation kills it), and malformed output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  LrFindOutputError,
  formatSuggestedLr,
  lrFindArgs,
  lrFindChoiceLabel,
  lrFindOutcome,
  parseLrFindOutput,
  probeLine,
  startLrFind,
} from '../../extension/lr-suggestion';
import { FINDER_GRID } from '../../runtime/run/lr-finder';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
let dir: string;
let config: string;
let realStdout: string;

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lr-suggestion-'));
  const scaffold = spawnSync(process.execPath, [CLI, 'scaffold', path.join(dir, 'ws')], { encoding: 'utf8' });
  assert.equal(scaffold.status, 0, scaffold.stderr);
  config = path.join(dir, 'ws', 'mezo.helene.json');
  assert.ok(fs.existsSync(config), 'the scaffold writes mezo.helene.json');
  const run = spawnSync(process.execPath, [CLI, ...lrFindArgs(config, 200)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  realStdout = run.stdout;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the command line and the choice label', () => {
  assert.deepEqual(lrFindArgs('/w/c.helene.json', 200), ['lr-find', '--config', '/w/c.helene.json', '--budget', '200', '--json']);
  assert.deepEqual(lrFindArgs('c.json'), ['lr-find', '--config', 'c.json', '--budget', '600', '--json']);
  assert.equal(lrFindChoiceLabel(), 'Find a learning rate (≈600 forward passes)');
});

test('a real `lr-find --json` result (MeZO on the demo, budget 200) parses into a checked result and a suggestion', () => {
  const r = parseLrFindOutput(realStdout);
  assert.equal(r.optimizer, 'mezo');
  assert.ok(r.probes.length >= 2, `${r.probes.length} probes`);
  assert.equal(r.probes[0].lr, 0.003, 'the search starts at the grid point nearest the config lr (0.002)');
  assert.ok(r.suggested !== null && FINDER_GRID.includes(r.suggested), `suggested ${r.suggested} is a grid point`);
  const best = r.probes.find((p) => p.lr === FINDER_GRID[FINDER_GRID.indexOf(r.suggested!) + 1]);
  assert.ok(best && !best.diverged && /^(eval )?loss /.test(best.reason), 'the grid point above the suggestion was probed and lowered the loss');
  for (const p of r.probes) if (!p.diverged && /^(eval )?loss /.test(p.reason)) assert.ok(p.lateLoss! >= best.lateLoss!, `no probe lowered the loss more than the best (${p.lr})`);
  assert.equal(r.passes, r.probes.reduce((s, p) => s + p.passes, 0));
  assert.ok(r.passes <= 200, `${r.passes} passes over the budget`);
  if (r.smallestUnstable !== null) for (const p of r.probes) assert.equal(p.diverged, p.lr >= r.smallestUnstable, `probe at ${p.lr}`);
  assert.match(r.message, /Suggested optimizer\.lr = /);
  assert.match(probeLine(r.probes[0]), /^lr 0\.003 {5}(stable {4}((eval )?loss [\d.]+ -> [\d.]+|stalled: .*)|diverged {2}.*) \(\d+ steps, \d+ passes\)$/);

  const outcome = lrFindOutcome(realStdout, 0, []);
  assert.equal(outcome.kind, 'suggested');
  assert.ok(outcome.kind === 'suggested');
  assert.equal(outcome.value, formatSuggestedLr(r.suggested));
  assert.equal(outcome.lr, Number(r.suggested.toPrecision(3)));
  assert.equal(outcome.message, `Suggested lr ${outcome.value}. ${r.message}`);
});

test('startLrFind runs the finder in a child process: probes arrive as progress lines, the outcome matches the CLI', async () => {
  const lines: string[] = [];
  const finder = startLrFind({ cliPath: CLI, configPath: config, budget: 200, onProgress: (l) => lines.push(l) });
  assert.ok(finder.pid !== undefined);
  const outcome = await finder.done;
  assert.deepEqual(outcome, lrFindOutcome(realStdout, 0, []), 'same seed, same batches: the same suggestion');
  const probes = lines.filter((l) => /^\s*lr \S+\s+(stable|diverged|too high)/.test(l));
  assert.equal(probes.length, parseLrFindOutput(realStdout).probes.length);
  assert.match(lines[0], /^lr-find: mezo, .*budget 200 forward passes/);
});

test('every probed lr diverging: no suggestion, and the message says why', async () => {
  const huge = path.join(dir, 'ws', 'huge-lr.helene.json');
  const user = JSON.parse(fs.readFileSync(config, 'utf8'));
  user.optimizer.lr = 1e6;
  fs.writeFileSync(huge, JSON.stringify(user));
  // The grid tops out at 10; the smallest budget (20 passes) buys 2 probes of 5 steps: 10 and 3, both diverge.
  const outcome = await startLrFind({ cliPath: CLI, configPath: huge, budget: 20 }).done;
  assert.equal(outcome.kind, 'none');
  assert.match(outcome.message, /^No learning rate suggested\. mezo: every probed lr diverged, down to 3 /);
});

test('a runtime error (no such config) is a failure naming the runtime\'s own message', async () => {
  const outcome = await startLrFind({ cliPath: CLI, configPath: path.join(dir, 'missing.helene.json') }).done;
  assert.equal(outcome.kind, 'failed');
  assert.match(outcome.message, /^The learning-rate finder failed \(exit code 1\): .*missing\.helene\.json/);
});

test('cancel() kills the child mid-search; done says cancelled', async () => {
  // Cancel on the header line: the model is loaded and the probes (hundreds of ms here) are under way.
  let started!: () => void;
  const searching = new Promise<void>((r) => (started = r));
  const lines: string[] = [];
  const finder = startLrFind({ cliPath: CLI, configPath: config, budget: 2_000_000, onProgress: (l) => (lines.push(l), /^lr-find: /.test(l) && started()) });
  await searching;
  finder.cancel();
  const outcome = await finder.done;
  assert.deepEqual(outcome, { kind: 'cancelled', message: 'Learning-rate search cancelled.' });
  assert.throws(() => process.kill(finder.pid!, 0), /ESRCH/, 'the finder process is gone');
  assert.ok(!lines.some((l) => /Suggested/.test(l)), 'it did not finish');
});

test('malformed output: a clear LrFindOutputError naming what is wrong', () => {
  const good = JSON.parse(realStdout);
  const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const cases: [string, RegExp][] = [
    ['', /printed no result/],
    ['lr-find: mezo, probes of short runs', /output is not JSON/],
    ['[1, 2]', /not a JSON object/],
    [bad({ suggested: -0.01 }), /suggested must be a positive number or null, got -0\.01/],
    [bad({ suggested: 'fast' }), /suggested must be a positive number or null, got "fast"/],
    [bad({ probes: 'none' }), /probes must be a list/],
    [bad({ probes: [{ ...good.probes[0], lr: null }] }), /probes\[0\]\.lr must be a positive number, got null/],
    [bad({ probes: [{ ...good.probes[0], diverged: 'no' }] }), /probes\[0\]\.diverged must be true or false/],
    [bad({ message: undefined }), /message must be a string/],
    [bad({ largestStable: null }), /a suggestion without a stable lr/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseLrFindOutput(text), (e: unknown) => e instanceof LrFindOutputError && pattern.test(e.message), `for ${text.slice(0, 60)}`);
  }
  const outcome = lrFindOutcome('{"optimizer": "mezo"', 0, []);
  assert.equal(outcome.kind, 'failed');
  assert.match(outcome.message, /^The learning-rate finder's result could not be read: the learning-rate finder's output is not JSON/);
  assert.deepEqual(lrFindOutcome('', 1, ['lr-find: mezo, ...', 'error: data/train.jsonl:3: not JSON']), {
    kind: 'failed',
    message: 'The learning-rate finder failed (exit code 1): data/train.jsonl:3: not JSON.',
  });
});
