/**
 * Dataset lines as bytes: invalid UTF-8 is found exactly (a fatal decoder per line) and refused,
 * warned about or replaced as data.invalidUtf8 says; a line over data.maxLineBytes is refused with
 * file:line and its real size while streaming, in bounded memory; truncated text examples are counted
 * (classification included) and summarised as the CLI and the run panel print it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, type InputSpec } from '../../runtime/data/dataset';
import { DataError, invalidUtf8Warning, readJsonl } from '../../runtime/data/jsonl';
import { findTokenizerFiles, loadTokenizer } from '../../runtime/data/text/tokenizer';
import { loadTextDataset, type TextDataOptions } from '../../runtime/data/text/text-dataset';
import { datasetFacts } from '../../runtime/data/dataset-facts';
import { resolveConfig, truncationSummary } from '../../runtime/protocol';
import { ENCODER_DIR } from './lm-helpers';

const encoderTok = loadTokenizer(findTokenizerFiles(ENCODER_DIR, 'test'));

function writeFile(content: Buffer | string, name = 'data.jsonl'): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lines-')), name);
  fs.writeFileSync(file, content);
  return file;
}

function textOptions(over: Partial<TextDataOptions>): TextDataOptions {
  return {
    task: 'classification', tokenizer: encoderTok, maxLength: 64, fixedLength: null, textKey: 'text', labelKey: 'label', promptKey: 'prompt',
    completionKey: 'completion', labelNames: ['devil', 'jargon'], classCount: 2, inputs: ['input_ids', 'attention_mask', 'labels'], modelVocab: null, badLines: 'fail', ...over,
  };
}

/** Three lines; the second holds "café" written in Latin-1 (0xe9), as a Windows editor saves it. */
function latin1Dataset(): string {
  return writeFile(
    Buffer.concat([
      Buffer.from('{"text": "A cynic knows the price of everything.", "label": "devil"}\n'),
      Buffer.from('{"text": "A caf\xe9 hack.", "label": "jargon"}\n', 'latin1'),
      Buffer.from('{"text": "Caf\xe9 again.", "label": "jargon"}\n', 'latin1'),
      Buffer.from('{"text": "naïve but valid UTF-8 — ok", "label": "devil"}\n'),
    ]),
  );
}

test('invalid UTF-8 is refused by default with file:line, the byte and the fix', () => {
  const file = latin1Dataset();
  assert.throws(
    () => loadTextDataset(file, textOptions({})),
    (e: Error) =>
      e instanceof DataError &&
      e.message.startsWith(`${file}:2: line is not valid UTF-8 (byte 16 of the line (0xe9))`) &&
      e.message.includes('data.invalidUtf8') &&
      e.message.includes('iconv'),
  );
});

test('data.invalidUtf8 "warn" reads U+FFFD, counts the lines and names the first ones; "replace" reads them silently', () => {
  const file = latin1Dataset();
  const warned = loadTextDataset(file, textOptions({ invalidUtf8: 'warn' }));
  assert.equal(warned.size, 4);
  assert.deepEqual(warned.invalidUtf8, {
    count: 2,
    first: [
      { line: 2, where: 'byte 16 of the line (0xe9)' },
      { line: 3, where: 'byte 14 of the line (0xe9)' },
    ],
  });
  const warning = invalidUtf8Warning(file, warned.invalidUtf8!);
  assert.match(warning, new RegExp(`^${escape(file)}:2: 2 line\\(s\\) not valid UTF-8 \\(first: byte 16 of the line \\(0xe9\\); also lines 3\\); their invalid bytes were read as U\\+FFFD`));
  assert.equal(datasetFacts(warned).invalidUtf8Lines, 2);
  const replaced = readJsonl(file, [], { invalidUtf8: 'replace' });
  assert.equal(replaced.rows[1].text, 'A caf\uFFFD hack.');
  // Valid multi-byte UTF-8 is never counted.
  assert.equal(replaced.rows[3].text, 'naïve but valid UTF-8 — ok');
  assert.equal(replaced.invalidUtf8.count, 2);
});

test('a multi-byte character cut at the end of a line (no newline before EOF) is found too', () => {
  const file = writeFile(Buffer.concat([Buffer.from('{"x": [1, 2], "label": 0}\n{"x": [3, 4], "label": 1, "note": "€'), Buffer.from([0xe2, 0x82])]));
  const specs: InputSpec[] = [{ name: 'x', key: 'x', type: 'float32', width: 2, exampleShape: [2] }];
  assert.throws(() => loadDataset(file, specs, {}), new RegExp(`${escape(file)}:2: line is not valid UTF-8 \\(byte 39 of the line \\(0xe2\\)\\)`));
});

test('data.invalidUtf8 and data.maxLineBytes are schema keys: defaults, enum checks and closest-key suggestions', () => {
  const base = { model: { path: 'm.onnx' }, data: { train: 't.jsonl' } };
  const ok = resolveConfig(base).config;
  assert.equal(ok.data.invalidUtf8, 'error');
  assert.equal(ok.data.maxLineBytes, 1048576);
  const errorsOf = (user: unknown) => {
    try {
      resolveConfig(user);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail('expected a config error');
  };
  const typo = errorsOf({ ...base, data: { train: 't.jsonl', invalidUtf: 'warn', maxLineByte: 5 } });
  assert.match(typo, /data\.invalidUtf: unknown key \(did you mean "data\.invalidUtf8"\?\)/);
  assert.match(typo, /data\.maxLineByte: unknown key \(did you mean "data\.maxLineBytes"\?\)/);
  const badEnum = errorsOf({ ...base, data: { train: 't.jsonl', invalidUtf8: 'wran', maxLineBytes: 0 } });
  assert.match(badEnum, /data\.invalidUtf8: must be one of error, warn, replace; got "wran" \(did you mean "warn"\?\)/);
  assert.match(badEnum, /data\.maxLineBytes: must be >= 1, got 0/);
});

test('a line over data.maxLineBytes is refused with file:line, its real size, the limit and the fix', () => {
  const long = JSON.stringify({ text: 'word '.repeat(600_000), label: 0 }); // about 3 MB
  const file = writeFile(`{"text": "short", "label": 0}\n${long}\n{"text": "after", "label": 1}\n`);
  assert.throws(
    () => loadTextDataset(file, textOptions({})),
    (e: Error) =>
      e instanceof DataError &&
      e.message === `${file}:2: line is 2.9 MiB, over the limit of 1.0 MiB (data.maxLineBytes = 1048576); raise data.maxLineBytes (e.g. to 4194304) or split or shorten the line`,
  );
  // The same line at the end of the file, without a newline, and a limit below one read chunk.
  const last = writeFile(`{"text": "short", "label": 0}\n${long}`);
  assert.throws(() => readJsonl(last, [], { maxLineBytes: 4096 }), new RegExp(`${escape(last)}:2: line is 2\\.9 MiB, over the limit of 4\\.0 KiB`));
  // Raised as the message says, the line is read (and its text truncated to maxLength, counted).
  const read = loadTextDataset(file, textOptions({ maxLineBytes: 4194304 }));
  assert.equal(read.size, 3);
  assert.equal(read.truncated, 1);
});

test('a 64 MiB line is refused in bounded memory: peak RSS grows by far less than the line', () => {
  const file = writeFile(`{"text": "${'x'.repeat(64 << 20)}"}\n`);
  // A child process, so the peak (maxRSS) belongs to this read alone.
  const script = `
    const { readJsonl } = require(${JSON.stringify(path.join(__dirname, '../../runtime/data/jsonl.ts'))});
    const before = process.resourceUsage().maxRSS;
    let message = '';
    try { readJsonl(${JSON.stringify(file)}, [], {}); } catch (e) { message = e.message; }
    console.log(JSON.stringify({ grewKiB: process.resourceUsage().maxRSS - before, message }));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { grewKiB, message } = JSON.parse(child.stdout.trim().split('\n').pop()!);
  assert.match(message, /:1: line is 64\.0 MiB, over the limit of 1\.0 MiB/);
  console.log(`peak RSS growth while refusing a 64 MiB line: ${(grewKiB / 1024).toFixed(1)} MiB`);
  assert.ok(grewKiB < 16 * 1024, `peak RSS grew ${grewKiB} KiB`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('truncated classification texts are counted (the tokenizer cuts them) and summarised', () => {
  const long = 'A kludge is a crock that works, written late at night by a hacker who knew better. '.repeat(4);
  const file = writeFile([{ text: long, label: 0 }, { text: 'A cynic.', label: 1 }, { text: long, label: 1 }].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const d = loadTextDataset(file, textOptions({ maxLength: 16 }));
  assert.equal(d.truncated, 2);
  assert.equal(d.maxLength, 16);
  const evalSet = loadTextDataset(file, textOptions({ maxLength: 256 }));
  assert.equal(evalSet.truncated, 0);
  const facts = { train: datasetFacts(d), eval: datasetFacts(evalSet) };
  assert.deepEqual(facts.train, { file, examples: 3, skippedLines: 0, invalidUtf8Lines: 0, truncated: 2, maxLength: 16 });
  assert.equal(truncationSummary(facts), '2 of 3 training examples truncated to maxLength 16');
  assert.equal(truncationSummary({ train: facts.train, eval: { ...facts.train, examples: 5, truncated: 1 } }), '2 of 3 training examples truncated to maxLength 16 (eval: 1 of 5)');
  // Numeric data has nothing to truncate: no line.
  assert.equal(truncationSummary({ train: { file, examples: 3, skippedLines: 0, invalidUtf8Lines: 0 }, eval: null }), null);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
