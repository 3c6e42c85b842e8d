import { describe, expect, it } from 'vitest';
import { durationToMs } from './duration.js';

describe('durationToMs', () => {
  it('reads single and compound k6 durations', () => {
    expect(durationToMs('500ms')).toBe(500);
    expect(durationToMs('1.5s')).toBe(1500);
    expect(durationToMs('5m')).toBe(300_000);
    expect(durationToMs('2h30m')).toBe(9_000_000);
    expect(durationToMs('1m30s250ms')).toBe(90_250);
    expect(durationToMs('0s')).toBe(0);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '5', 's', '5 m', '-1s', '1d', '1s x', 'NaN']) expect(durationToMs(bad)).toBeNull();
  });
});
