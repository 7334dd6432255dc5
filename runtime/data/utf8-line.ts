/**
 * Exact UTF-8 checking of one line's bytes. A non-fatal decoder silently turns invalid bytes into
 * U+FFFD, which changes the text (and so the tokens and the loss) without a word; a fatal decoder
 * throws on the first invalid sequence, so every invalid line is found, and only those.
 */
export type InvalidUtf8Policy = 'error' | 'warn' | 'replace';

const fatal = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

export interface DecodedLine {
  text: string;
  /** null when the bytes are valid UTF-8; else where the first invalid byte is. */
  invalidAt: number | null;
}

export function decodeLine(bytes: Uint8Array): DecodedLine {
  try {
    return { text: fatal.decode(bytes), invalidAt: null };
  } catch {
    return { text: lenient.decode(bytes), invalidAt: firstInvalidByte(bytes) };
  }
}

/**
 * Offset of the first byte of the first invalid sequence. A streaming fatal decode rejects a prefix
 * only once it is invalid whatever follows (a prefix ending inside a valid multi-byte character is
 * not rejected), so rejection is monotone in the prefix length and a binary search finds the
 * shortest rejected prefix. Its last byte is the culprit, unless the bytes before it end in an
 * unfinished character that this byte fails to continue: then that character's lead byte is.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  let lo = 1;
  let hi = bytes.length + 1; // bytes.length + 1: no prefix is rejected while streaming
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (mid <= bytes.length && rejects(bytes.subarray(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  const before = bytes.subarray(0, lo - 1);
  const complete = (() => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(before);
      return true;
    } catch {
      return false;
    }
  })();
  return complete && lo <= bytes.length ? lo - 1 : lastCharStart(before);
}

function rejects(prefix: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(prefix, { stream: true });
    return false;
  } catch {
    return true;
  }
}

function lastCharStart(bytes: Uint8Array): number {
  let i = Math.max(0, bytes.length - 1);
  while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
  return i;
}

/** "byte 12 (0xe9)": where and what, for the message. */
export function describeInvalidByte(bytes: Uint8Array, at: number): string {
  return `byte ${at + 1} of the line (0x${bytes[at].toString(16).padStart(2, '0')})`;
}
