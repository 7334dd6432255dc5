/**
 * Tokenization and text datasets: ids equal to what the fixtures' own Python scripts produced, the
 * tokenizer library's traps (WordLevel unk, ignored truncation, padding), and clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTokenizerFiles, loadTokenizer } from '../../runtime/data/text/tokenizer';
import { loadTextDataset, type TextDataOptions } from '../../runtime/data/text/text-dataset';
import { ENCODER_DIR, GPT_DIR, readJson } from './lm-helpers';

const encoderTok = loadTokenizer(findTokenizerFiles(ENCODER_DIR, 'test'));
const gptTok = loadTokenizer(findTokenizerFiles(GPT_DIR, 'test'));
const encoderExpected = readJson(path.join(ENCODER_DIR, 'expected.json'));
const gptExpected = readJson(path.join(GPT_DIR, 'expected.json'));

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lm-text-'));
}

function options(over: Partial<TextDataOptions>): TextDataOptions {
  return {
    task: 'classification', tokenizer: encoderTok, maxLength: 64, fixedLength: null, textKey: 'text', labelKey: 'label', promptKey: 'prompt',
    completionKey: 'completion', labelNames: ['devil', 'jargon'], classCount: 2, inputs: ['input_ids', 'attention_mask', 'labels'], modelVocab: null, badLines: 'fail', ...over,
  };
}

function writeLines(rows: unknown[]): string {
  const file = path.join(tmp(), 'data.jsonl');
  fs.writeFileSync(file, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return file;
}

test('WordPiece (BERT) ids equal the fixture script, truncation keeps [SEP], accents and unknown symbols handled', () => {
  for (const c of encoderExpected.tokenizerCases) assert.deepEqual(encoderTok.encodeWithSpecials(c.text, encoderExpected.maxLength), c.ids, JSON.stringify(c.text));
  const long = encoderExpected.tokenizerCases.find((c: { ids: number[] }) => c.ids.length === 64);
  assert.ok(long, 'a case longer than maxLength exists');
  assert.equal(long.ids[63], encoderTok.encodeWithSpecials('', 64)[1], 'the last id is [SEP]');
});

test('WordLevel (GPT) ids equal the fixture script: unknown words become <unk>, even when tokenizer_config.json has no unk_token', () => {
  for (const c of gptExpected.tokenizerCases) assert.deepEqual(gptTok.encodePlain(c.text), c.ids, JSON.stringify(c.text));
  const dir = tmp();
  fs.copyFileSync(path.join(GPT_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const config = readJson(path.join(GPT_DIR, 'tokenizer_config.json'));
  delete config.unk_token;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  const noConfigUnk = loadTokenizer(findTokenizerFiles(dir, 'test'));
  const unk = gptTok.encodePlain('<unk>')[0];
  assert.deepEqual(noConfigUnk.encodePlain('the qwertyzzz'), [gptTok.encodePlain('the')[0], unk]);
});

test('a WordLevel tokenizer without any unk token is refused with the word, not turned into NaN ids', () => {
  const dir = tmp();
  const json = readJson(path.join(GPT_DIR, 'tokenizer.json'));
  delete json.model.unk_token;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tok = loadTokenizer(findTokenizerFiles(dir, 'test'));
  assert.throws(() => tok.encodePlain('the qwertyzzz'), /gave no id for "qwertyzzz".*declares no unk token/);
});

test('missing tokenizer.json names where it was looked for', () => {
  const dir = tmp();
  assert.throws(() => findTokenizerFiles(dir, 'data.tokenizer is not set, so it is looked for beside the model model.onnx'), new RegExp(`no tokenizer\\.json at ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/tokenizer\\.json \\(data\\.tokenizer is not set`));
});

test('data.tokenizer naming a file that does not exist names that file once, not <file>/tokenizer.json', () => {
  const file = path.join(tmp(), 'my-tokenizer.json');
  assert.throws(
    () => findTokenizerFiles(file, 'data.tokenizer'),
    (e: Error) => e.message.startsWith(`no tokenizer file at ${file} (data.tokenizer)`) && !e.message.includes(`${file}/tokenizer.json`),
  );
});

test('classification dataset: padded ids, attention masks, string labels by name', () => {
  const file = writeLines([{ text: 'A cynic.', label: 'devil' }, { text: 'A kludge is a hack that works.', label: 'jargon' }]);
  const d = loadTextDataset(file, options({}));
  const width = d.width;
  assert.equal(width, encoderTok.encodeWithSpecials('A kludge is a hack that works.', 64).length);
  const [ids, mask, labels] = d.columns;
  assert.deepEqual(ids.spec.exampleShape, [width]);
  assert.deepEqual(Array.from(labels.values), [0, 1]);
  const first = encoderTok.encodeWithSpecials('A cynic.', 64);
  assert.deepEqual(Array.from(ids.values.subarray(0, width)), [...first, ...Array(width - first.length).fill(encoderTok.padId)]);
  assert.deepEqual(Array.from(mask.values.subarray(0, width)), [...first.map(() => 1), ...Array(width - first.length).fill(0)]);
});

test('bad text lines name the file, line and what is wrong', () => {
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 0 }, { sentence: 'x', label: 1 }]), options({})), /data\.jsonl:2: line has no "text" field \(the text to classify\); its keys are "sentence", "label"/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 'angel' }]), options({})), /data\.jsonl:1: label "angel" is not one of data\.labelNames \(devil, jargon\)/);
  // A near miss is named: another case, or a typo.
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 'Devil' }]), options({})), /label "Devil" is not one of data\.labelNames \(devil, jargon\); did you mean "devil"\?/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 'jargn' }]), options({})), /did you mean "jargon"\?/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 'angel' }]), options({})), (e: Error) => !/did you mean/.test(e.message));
  // An empty (or blank) text has nothing to classify.
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 0 }, { text: '  ', label: 1 }]), options({})), /data\.jsonl:2: field "text" is empty: nothing to classify/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 'devil' }]), options({ labelNames: null })), /list the class names in order in data\.labelNames/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 2 }]), options({})), /label 2 is out of range \[0, 1\] for a 2-class model/);
  assert.throws(() => loadTextDataset(writeLines([{ text: 'ok', label: 0 }]), options({ inputs: ['input_ids', 'pixel_values'] })), /input "pixel_values" cannot be fed from text/);
  const skipped = loadTextDataset(writeLines([{ text: 'ok', label: 0 }, { label: 1 }]), options({ badLines: 'skip' }));
  assert.equal(skipped.size, 1);
  assert.equal(skipped.skippedLines[0].line, 2);
});

test('a tokenizer that does not belong to the model is refused', () => {
  assert.throws(() => loadTextDataset(writeLines([{ text: 'the kludge', label: 0 }]), options({ modelVocab: 10 })), /token id \d+ from .*tokenizer\.json is beyond the model's embedding table \(10 rows\); the tokenizer \(2000 tokens\) does not belong to this model/);
});

test('causal-LM dataset: prompt tokens and padding are excluded from the labels, text lines score every token', () => {
  const file = writeLines([{ prompt: 'ABASEMENT:', completion: ' A decent attitude.' }, { text: 'a hack' }]);
  const d = loadTextDataset(file, options({ task: 'causal-lm', tokenizer: gptTok, labelNames: null, classCount: null }));
  const [ids, , labels] = d.columns;
  const w = d.width;
  const bos = gptTok.bosId!;
  const eos = gptTok.eosId!;
  const prompt = [bos, ...gptTok.encodePlain('ABASEMENT:')];
  const completion = [...gptTok.encodePlain(' A decent attitude.'), eos];
  assert.deepEqual(Array.from(ids.values.subarray(0, prompt.length + completion.length)), [...prompt, ...completion]);
  assert.deepEqual(Array.from(labels.values.subarray(0, w)), [...prompt.map(() => -100), ...completion, ...Array(w - prompt.length - completion.length).fill(-100)]);
  const text = [bos, ...gptTok.encodePlain('a hack'), eos];
  assert.deepEqual(Array.from(labels.values.subarray(w, w + text.length)), [-100, ...text.slice(1)]);
  // The fixture script's batch: same ids and labels.
  const rows = gptExpected.batch.rows;
  const fromScript = loadTextDataset(writeLines(rows), options({ task: 'causal-lm', tokenizer: gptTok, labelNames: null, classCount: null }));
  const sw = fromScript.width;
  assert.equal(sw, gptExpected.batch.input_ids[0].length);
  assert.deepEqual(Array.from(fromScript.columns[0].values), gptExpected.batch.input_ids.flat());
  assert.deepEqual(Array.from(fromScript.columns[2].values), gptExpected.batch.labels.flat());
  assert.throws(() => loadTextDataset(writeLines([{ title: 'x' }]), options({ task: 'causal-lm', tokenizer: gptTok })), /line has neither "text" nor "prompt"\/"completion" fields/);
});
