/**
 * A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) loaded offline with
 * @huggingface/tokenizers, wrapped so its known traps cannot reach the model (field notes):
 *
 * - WordLevel: the library has no WordLevel class; it falls back to a "Legacy" model that takes the
 *   unk token from tokenizer_config.json only, so without it an unknown word becomes id `undefined`
 *   (NaN once in a typed array). We pass the model's own `unk_token` in, and refuse any id that is
 *   still not an integer, naming the word.
 * - Truncation: the `truncation` block of tokenizer.json is ignored; we cut ourselves, keeping the
 *   special tokens the post-processor adds (e.g. BERT's closing [SEP]).
 * - Padding: also ours (the batches have one fixed width per dataset), with the config's pad token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { DataError } from '../jsonl';

export interface TokenizerFiles {
  tokenizerJson: string;
  /** Absent file = {} (the library then knows no special tokens beyond tokenizer.json's). */
  tokenizerConfig: string | null;
}

export interface TextTokenizer {
  /** Where it came from, for messages. */
  source: string;
  /** Largest token id + 1 (vocabulary and added tokens). */
  vocabSize: number;
  padId: number;
  bosId: number | null;
  eosId: number | null;
  /** Whether the causal-LM sequence starts with bos / ends with eos (tokenizer_config add_bos_token / add_eos_token, default true when the token exists). */
  addBos: boolean;
  addEos: boolean;
  /** tokenizer_config.json model_max_length (the model's position table), when it is a real limit. */
  modelMaxLength: number | null;
  /** Ids of `text` with the post-processor's special tokens (e.g. [CLS] … [SEP]), cut to maxLength keeping the specials. */
  /** Ids with the specials, the content cut to fit maxLength; onCut hears when (and from how many ids) it was cut. */
  encodeWithSpecials(text: string, maxLength: number, onCut?: (fullLength: number) => void): number[];
  /** Ids of `text` without special tokens. */
  encodePlain(text: string): number[];
  decode(ids: number[]): string;
}

/** tokenizer.json in `location` (a folder, or the file itself), with tokenizer_config.json beside it. */
export function findTokenizerFiles(location: string, why: string): TokenizerFiles {
  const isFile = fs.existsSync(location) && fs.statSync(location).isFile();
  // A path that names a file (…/my-tokenizer.json) is taken as that file, never as a folder to look in.
  if (!fs.existsSync(location) && /\.json$/i.test(location)) {
    throw new DataError(`no tokenizer file at ${location} (${why}). Set data.tokenizer to the tokenizer.json file or to its folder`);
  }
  const dir = isFile ? path.dirname(location) : location;
  const tokenizerJson = isFile ? location : path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerJson)) {
    throw new DataError(`no tokenizer.json at ${tokenizerJson} (${why}). Put the Hugging Face tokenizer.json (and tokenizer_config.json) there, or set data.tokenizer to its folder`);
  }
  const config = path.join(dir, 'tokenizer_config.json');
  return { tokenizerJson, tokenizerConfig: fs.existsSync(config) ? config : null };
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new DataError(`${file} is not a valid tokenizer file: ${(e as Error).message}`);
  }
}

/** tokenizer_config.json names special tokens as strings or as {content: ...} objects. */
function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return null;
}

export function loadTokenizer(files: TokenizerFiles): TextTokenizer {
  const json = readJson(files.tokenizerJson);
  const config = files.tokenizerConfig ? readJson(files.tokenizerConfig) : {};
  const model = (json.model ?? {}) as Record<string, unknown>;
  if (!model.vocab) throw new DataError(`${files.tokenizerJson}: no model.vocab; this is not a Hugging Face tokenizer.json`);
  // The WordLevel trap: give the fallback model the unk token that tokenizer.json itself declares.
  const unkFromModel = typeof model.unk_token === 'string' ? model.unk_token : null;
  const effectiveConfig: Record<string, unknown> = { ...config };
  if (tokenText(config.unk_token) === null && unkFromModel) effectiveConfig.unk_token = unkFromModel;
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const t = tokenText(effectiveConfig[key]);
    if (t !== null) effectiveConfig[key] = t;
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, effectiveConfig);
  } catch (e) {
    throw new DataError(`${files.tokenizerJson}: the tokenizer cannot be loaded (${(e as Error).message})`);
  }
  const source = files.tokenizerJson;
  const vocab = tokenizer.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const idOf = (key: string): number | null => {
    const t = tokenText(effectiveConfig[key]);
    if (t === null) return null;
    const id = tokenizer.token_to_id(t);
    return typeof id === 'number' ? id : null;
  };
  const unkId = idOf('unk_token');
  const bosId = idOf('bos_token');
  const eosId = idOf('eos_token');
  // No pad token (GPT-2): pad with eos; padded positions are masked out and never scored.
  const padId = idOf('pad_token') ?? eosId ?? unkId ?? 0;

  const checked = (ids: unknown[], text: string): number[] => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        const word = tokenizer.tokenize(text)[i] ?? '?';
        throw new DataError(
          `${source}: the tokenizer gave no id for "${word}" (in ${JSON.stringify(text.slice(0, 60))}) and declares no unk token; add "unk_token" to tokenizer_config.json (or model.unk_token in tokenizer.json)`,
        );
      }
    }
    return ids as number[];
  };
  const plain = (text: string): number[] => checked(tokenizer.encode(text, { add_special_tokens: false }).ids, text);

  return {
    source,
    vocabSize,
    padId,
    bosId,
    eosId,
    addBos: bosId !== null && config.add_bos_token !== false,
    addEos: eosId !== null && config.add_eos_token !== false,
    // Hugging Face writes a huge sentinel (1e30) when there is no limit.
    modelMaxLength: typeof config.model_max_length === 'number' && config.model_max_length >= 2 && config.model_max_length < 1e9 ? config.model_max_length : null,
    encodePlain: plain,
    encodeWithSpecials(text: string, maxLength: number, onCut?: (fullLength: number) => void): number[] {
      const full = checked(tokenizer.encode(text, { add_special_tokens: true }).ids, text);
      if (full.length <= maxLength) return full;
      onCut?.(full.length);
      // Cut the content, not the specials: prefix specials + content[: room] + suffix specials.
      const content = plain(text);
      const p = prefixLength(full, content);
      const suffix = full.slice(p + content.length);
      const room = Math.max(0, maxLength - p - suffix.length);
      return [...full.slice(0, p), ...content.slice(0, room), ...suffix].slice(0, maxLength);
    },
    decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: false }),
  };
}

/** Number of leading special tokens: where `content` starts inside `full`. */
function prefixLength(full: number[], content: number[]): number {
  for (let p = 0; p + content.length <= full.length; p++) {
    let same = true;
    for (let i = 0; i < content.length && same; i++) same = full[p + i] === content[i];
    if (same) return p;
  }
  return 0;
}
