import { describe, expect, it } from 'vitest';
import { duplicateKeys } from './json-duplicates.js';

describe('duplicateKeys', () => {
  it('finds a repeated key at the top, in nested objects and inside arrays, with line and the first line', () => {
    const text = ['{', '  "gates": [{"id": "a", "metric": "m", "id": "b"}],', '  "profiles": { "p": { "gates": [], "x": {"gates": 1}, "gates": [] } },', '  "gates": []', '}'].join(
      '\n',
    );
    expect(duplicateKeys(text)).toEqual([
      { path: 'gates.0.id', line: 2, col: 40, firstLine: 2 },
      { path: 'profiles.p.gates', line: 3, col: 56, firstLine: 3 },
      { path: 'gates', line: 4, col: 3, firstLine: 2 },
    ]);
  });

  it('keys spelt with escapes are the same key; equal keys in sibling objects and string values are not duplicates', () => {
    expect(duplicateKeys('{"a\\u0062": 1, "ab": 2}').map((d) => d.path)).toEqual(['ab']);
    expect(duplicateKeys('[{"a": 1}, {"a": 2}, {"b": "a", "c": "\\"a\\":"}]')).toEqual([]);
    expect(duplicateKeys('{"a": {"a": {"a": 1}}}')).toEqual([]);
  });

  it('names an array element by its index', () => {
    expect(duplicateKeys('{"gates": [{}, {"m": 1}, {"m": 1, "m": 2}]}').map((d) => d.path)).toEqual(['gates.2.m']);
  });
});
