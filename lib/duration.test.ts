import { describe, expect, it } from 'vitest';
import { durationMsField, durationTextField, durationToMs, validatedMs } from './duration.js';

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

describe('the duration fields', () => {
  it('take whole milliseconds or k6 text; ms out, or text out with numbers as "<n>ms"', () => {
    expect(durationMsField().parse(1500)).toBe(1500);
    expect(durationMsField().parse('1.5s')).toBe(1500);
    expect(durationTextField().parse(1500)).toBe('1500ms');
    expect(durationTextField().parse('2m')).toBe('2m');
    expect(durationToMs(durationTextField().parse(90_250))).toBe(90_250);
  });

  it('refuse fractions, negatives, non-durations, and zero unless allowed', () => {
    for (const bad of [1.5, -1, 'soon', '5', '', Number.NaN]) {
      expect(durationMsField().safeParse(bad).success, String(bad)).toBe(false);
      expect(durationTextField({ allowZero: true }).safeParse(bad).success, String(bad)).toBe(false);
    }
    expect(durationMsField().safeParse(0).error?.issues[0]?.message).toBe('must be a duration longer than 0 (got 0)');
    expect(durationTextField().safeParse('0s').success).toBe(false);
    expect(durationMsField({ allowZero: true }).parse(0)).toBe(0);
    expect(durationTextField({ allowZero: true }).parse('0s')).toBe('0s');
  });
});

describe('validatedMs', () => {
  it('gives the milliseconds of validated text and calls anything else a bug', () => {
    expect(validatedMs(durationTextField().parse('1m30s'))).toBe(90_000);
    expect(() => validatedMs('soon')).toThrow(/internal: "soon" reached past validation/);
  });
});
