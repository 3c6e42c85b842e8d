import { describe, expect, it } from 'vitest';
import { formatIssues } from './index.js';
import { profilePhases, profileSchema } from './run.js';

describe('profile warmup', () => {
  it('expands to the warmup phase from 0s and baseline from its end, before the profile phases', () => {
    const profile = profileSchema.parse({ script: 'k6/x.ts', warmup: '15s', phases: [{ at: '40s', phase: 'spike' }] });
    expect(profilePhases(profile)).toEqual([
      { at: '0s', phase: 'warmup' },
      { at: '15s', phase: 'baseline' },
      { at: '40s', phase: 'spike' },
    ]);
    const plain = profileSchema.parse({ script: 'k6/x.ts', phases: [{ at: '40s', phase: 'spike' }] });
    expect(profilePhases(plain)).toEqual([{ at: '40s', phase: 'spike' }]);
  });

  it('refuses a phase inside the warmup, a warmup or baseline phase beside it, and a zero warmup', () => {
    const issues = (input: unknown) => {
      const parsed = profileSchema.safeParse(input);
      return parsed.success ? [] : formatIssues(parsed.error);
    };
    expect(issues({ script: 'k6/x.ts', warmup: '15s', phases: [{ at: '10s', phase: 'spike' }] })).toEqual([
      'phases.0.at: starts at 10s, inside the warmup (15s): it would end the warmup early',
    ]);
    expect(issues({ script: 'k6/x.ts', warmup: '15s', phases: [{ at: '20s', phase: 'baseline' }] })).toEqual([
      'phases.0.phase: "baseline" comes from warmup: give one or the other',
    ]);
    expect(issues({ script: 'k6/x.ts', warmup: '0s' }).join()).toMatch(/^warmup: /);
    expect(issues({ script: 'k6/x.ts', warmup: 'soon' }).join()).toMatch(/^warmup: /);
  });
});
