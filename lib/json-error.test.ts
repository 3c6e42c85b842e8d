import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, lineColOf } from './json-error.js';

describe('jsonErrorOffset', () => {
  it('is -1 for valid JSON', () => {
    for (const ok of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]} ', '"s"', '0']) expect(jsonErrorOffset(ok), ok).toBe(-1);
  });

  it('points at the first character that cannot continue the document', () => {
    const cases: [string, number][] = [
      ['{"a":1,}', 7],
      ['{"a":tru}', 8],
      ['{"a" 1}', 5],
      ['{"a":1', 6],
      ['', 0],
      ['{"a":01}', 6],
      ['[1,2]x', 5],
      ['{"a":"\\q"}', 7],
    ];
    for (const [text, offset] of cases) expect(jsonErrorOffset(text), text).toBe(offset);
    // Each case is invalid JSON for JSON.parse too.
    for (const [text] of cases) expect(() => JSON.parse(text), text).toThrow();
  });

  it('gives line:col of an offset', () => {
    const text = '{\n  "a": 1,\n  }';
    expect(lineColOf(text, jsonErrorOffset(text))).toEqual({ line: 3, col: 3 });
  });
});
