// Duplicate keys in a JSON object: JSON.parse silently keeps the last, so a second "gates" key (at
// any depth) would make a strict gate vanish without a word. Scans a text JSON.parse has accepted.
import { lineColOf } from './json-error.js';

export interface DuplicateKey {
  /** Dotted path of the object holding the key, then the key (`profiles.p.gates`). */
  path: string;
  /** 1-based line and column of the repeated key, and the line of its first occurrence. */
  line: number;
  col: number;
  firstLine: number;
}

interface Frame {
  /** Keys seen in this object (offset of the first occurrence); null for an array. */
  keys: Map<string, number> | null;
  /** Path segment of this container's current child (its key, or its index in an array). */
  child: string;
  index: number;
}

/** Every repeated key of every object in `text` (valid JSON), in text order. */
export function duplicateKeys(text: string): DuplicateKey[] {
  const out: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const pathOf = () =>
    stack
      .slice(0, -1)
      .map((f) => f.child)
      .join('.');
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      let j = i;
      while (j < text.length && ' \t\n\r'.includes(text[j]!)) j++;
      const top = stack[stack.length - 1];
      // A string followed by ':' inside an object is a key.
      if (text[j] === ':' && top?.keys) {
        const key = JSON.parse(text.slice(start, i)) as string;
        const first = top.keys.get(key);
        if (first !== undefined) {
          const parent = pathOf();
          out.push({ path: parent ? `${parent}.${key}` : key, ...lineColOf(text, start), firstLine: lineColOf(text, first).line });
        } else top.keys.set(key, start);
        top.child = key;
      }
      continue;
    }
    if (ch === '{' || ch === '[') {
      stack.push({ keys: ch === '{' ? new Map() : null, child: '0', index: 0 });
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top && top.keys === null) top.child = String(++top.index);
    }
    i++;
  }
  return out;
}
