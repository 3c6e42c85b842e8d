// How `--threads N` is split between reading and recording threads for a large file (docs/evaluator.md).
import { describe, expect, it } from 'vitest';
import { fileReaders, recordingThreads } from './evaluate.js';

describe('threads for a large file', () => {
  it('records on the main thread below 4 threads, then on 1–3 recording threads beside at most 12 reading ones', () => {
    const split = (threads: number) => {
      const recorders = recordingThreads(threads);
      return [threads, fileReaders(threads, recorders), recorders];
    };
    expect([1, 2, 3, 4, 8, 9, 10, 12, 16, 64].map(split)).toEqual([
      [1, 1, 0],
      [2, 2, 0],
      [3, 2, 0],
      [4, 2, 1],
      [8, 6, 1],
      [9, 7, 1],
      [10, 7, 2],
      [12, 9, 2],
      [16, 12, 3],
      [64, 12, 3],
    ]);
    // Never more threads than allowed (the main thread is one of them).
    for (let t = 4; t <= 256; t++) expect(1 + recordingThreads(t) + fileReaders(t, recordingThreads(t))).toBeLessThanOrEqual(t);
  });
});
