/**
 * JSON.parse keeps the last of two equal keys without a word, so a config with `"lr"` twice runs
 * with whichever came last. This scanner walks valid JSON text (call it after JSON.parse succeeded)
 * and reports the first key that repeats inside one object, with its dotted path and line.
 */
export interface DuplicateKey {
  /** Dotted path of the repeated key, e.g. "optimizer.lr". */
  path: string;
  /** 1-based line of the second occurrence. */
  line: number;
}

export function findDuplicateKey(text: string): DuplicateKey | null {
  // One frame per open container: objects track their keys and the key being read.
  const stack: { keys: Set<string> | null; name: string; pendingKey: string | null }[] = [];
  let line = 1;
  let i = 0;
  const pathOf = (key: string) => [...stack.slice(1).map((f) => f.name), key].join('.');
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') line++;
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (text[j] !== '"') {
        if (text[j] === '\\') {
          s += JSON.parse(`"${text.slice(j, text[j + 1] === 'u' ? j + 6 : j + 2)}"`);
          j += text[j + 1] === 'u' ? 6 : 2;
        } else s += text[j++];
      }
      i = j + 1;
      const top = stack[stack.length - 1];
      // A string directly followed by ':' inside an object is a key.
      let k = i;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (top?.keys && text[k] === ':') {
        if (top.keys.has(s)) return { path: pathOf(s), line };
        top.keys.add(s);
        top.pendingKey = s;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const name = !top ? '' : top.keys ? (top.pendingKey ?? '') : '[]';
      stack.push({ keys: c === '{' ? new Set() : null, name, pendingKey: null });
    } else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return null;
}
