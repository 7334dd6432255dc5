/**
 * What a real CLI run says about its text data: how many training examples were cut to maxLength
 * (one line at start, and in run.json for the run panel), lines read with U+FFFD under
 * data.invalidUtf8 "warn" (a warning with file:line and the count), and the refusals of the
 * default "error" policy and of a line over data.maxLineBytes (one error line, no run folder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { EventRecord, RunManifest } from '../../runtime/protocol';
import { ENCODER_DIR } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** 40 real training lines of the encoder fixture, plus the extra lines given. */
function workspace(extra: Buffer[]): { dir: string; train: string; lines: string[] } {
  const dir = tempDir('data-report');
  const lines = fs.readFileSync(path.join(ENCODER_DIR, 'train.jsonl'), 'utf8').split('\n').slice(0, 40);
  const train = path.join(dir, 'train.jsonl');
  fs.writeFileSync(train, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), ...extra]));
  return { dir, train, lines };
}

function train(dir: string, trainFile: string, data: Record<string, unknown>) {
  const config = {
    name: 'data-report',
    seed: 3,
    steps: 2,
    evalEvery: 0,
    model: { path: path.join(ENCODER_DIR, 'model.onnx'), task: 'classification', trainablePreset: 'head' },
    data: { train: trainFile, labelNames: ['devil', 'jargon'], batchSize: 8, ...data },
    optimizer: { name: 'mezo', lr: 0.001 },
    engine: { provider: 'cpu' },
    output: { runsDir: path.join(dir, 'runs'), runId: 'r' },
  };
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return spawnSync(process.execPath, [CLI, 'train', '--config', file], { encoding: 'utf8' });
}

test('a text run prints how many training examples were cut to maxLength, records it in run.json, and warns about invalid UTF-8 with file:line and the count', () => {
  const latin1 = Buffer.from('{"text": "A caf\xe9 where hackers drink bad coffee.", "label": "jargon"}\n', 'latin1');
  const { dir, train: trainFile, lines } = workspace([latin1]);
  const out = train(dir, trainFile, { maxLength: 16, invalidUtf8: 'warn' });
  assert.equal(out.status, 0, out.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'runs', 'r', 'run.json'), 'utf8')) as RunManifest;
  const facts = manifest.data!.train;
  assert.equal(facts.examples, 41);
  assert.equal(facts.maxLength, 16);
  assert.equal(facts.invalidUtf8Lines, 1);
  // The count is the real one: most fixture definitions are longer than 16 tokens, not all.
  assert.ok(facts.truncated! > 0 && facts.truncated! < 41, `truncated ${facts.truncated}`);
  assert.equal(manifest.data!.eval, null);
  const startLines = out.stdout.split('\n').filter((l) => l.includes('training examples truncated'));
  assert.deepEqual(startLines, [`data-report: ${facts.truncated} of 41 training examples truncated to maxLength 16`]);
  const events = fs
    .readFileSync(path.join(dir, 'runs', 'r', 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r): r is EventRecord => r.kind === 'event' && r.event === 'warning');
  assert.equal(events.length, 1);
  assert.match(events[0].message, new RegExp(`^${trainFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${lines.length + 1}: 1 line\\(s\\) not valid UTF-8`));
  assert.ok(out.stdout.includes(events[0].message), 'the warning is printed too');
});

test('invalid UTF-8 (default policy) and an over-long line are refused with one error line naming file:line, and no run folder', () => {
  const latin1 = Buffer.from('{"text": "A caf\xe9.", "label": "jargon"}\n', 'latin1');
  const a = workspace([latin1]);
  const refused = train(a.dir, a.train, {});
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`^error: ${a.train.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:41: line is not valid UTF-8 \\(byte 16 of the line \\(0xe9\\)\\)`));
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.ok(!fs.existsSync(path.join(a.dir, 'runs', 'r')));

  const huge = Buffer.from(JSON.stringify({ text: 'tick '.repeat(300_000), label: 'devil' }) + '\n');
  const b = workspace([huge]);
  const tooLong = train(b.dir, b.train, {});
  assert.equal(tooLong.status, 1);
  assert.match(tooLong.stderr, /^error: .*train\.jsonl:41: line is 1\.4 MiB, over the limit of 1\.0 MiB \(data\.maxLineBytes = 1048576\); raise data\.maxLineBytes \(e\.g\. to 2097152\)/);
  assert.equal(tooLong.stderr.trim().split('\n').length, 1, tooLong.stderr);
  assert.ok(!fs.existsSync(path.join(b.dir, 'runs', 'r')));
});
