import { describe, expect, it } from 'vitest';
import { profileSchema } from '../config/run.js';
import { ConfigError } from '../lib/errors.js';
import { locustSectionSchema } from './locust-config.js';
import { locustPlan, type LocustfileInfo } from './locust-runner.js';

const noShape: LocustfileInfo = { users: ['Web'], shape: null, shapeUsesCommonOptions: false, shapeMs: null, shapeNote: null };
const shaped: LocustfileInfo = { users: ['Web'], shape: 'Spike', shapeUsesCommonOptions: false, shapeMs: 15_000, shapeNote: null };
const section = (input: unknown) => locustSectionSchema.parse(input);

function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('a profile with a locustfile', () => {
  it('takes exactly one of scenario, script, locustfile; locust and k6Args only where they apply', () => {
    expect(profileSchema.safeParse({ locustfile: 'l.py', locust: { users: 2, runTime: '10s' } }).success).toBe(true);
    const both = profileSchema.safeParse({ locustfile: 'l.py', script: 'load.js' });
    expect(both.success).toBe(false);
    expect(both.error!.issues[0]!.message).toContain('give one of "scenario"');
    const stray = profileSchema.safeParse({ script: 'load.js', locust: { users: 1 } });
    expect(stray.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['locust', 'only with "locustfile"']]);
    const k6Args = profileSchema.safeParse({ locustfile: 'l.py', k6Args: ['--vus', '3'] });
    expect(k6Args.error!.issues.map((i) => i.path.join('.'))).toEqual(['k6Args']);
  });

  it('runs whole seconds and refuses the arguments chaosgate sets itself', () => {
    expect(section({ runTime: '1m' }).runTime).toBe('1m');
    expect(section({ runTime: 30_000 }).runTime).toBe('30000ms');
    expect(locustSectionSchema.safeParse({ runTime: '1500ms' }).error!.issues[0]!.message).toContain('whole seconds');
    expect(locustSectionSchema.safeParse({ args: ['--stop-timeout', '5'] }).success).toBe(true);
    for (const a of ['-u', '--users=3', '-t', '--run-time', '--master', '--csv=x', '--headless', '-f']) {
      expect(locustSectionSchema.safeParse({ args: [a] }).success, a).toBe(false);
    }
    expect(locustSectionSchema.safeParse({ users: 0 }).success).toBe(false);
    expect(locustSectionSchema.safeParse({ workers: 65 }).success).toBe(false);
  });
});

describe('locustPlan', () => {
  it('without a LoadTestShape: -u/-r/-t from the fields, the planned length is the run time', () => {
    expect(locustPlan(noShape, section({ users: 5, runTime: '2m' }), '2m', 'profiles.p', 'profile p')).toEqual({
      plannedMs: 120_000,
      args: ['-u', '5', '-r', '5', '-t', '120s'],
      note: null,
    });
    expect(locustPlan(noShape, section({ users: 5, spawnRate: 0.5 }), '30000ms', 'profiles.p', 'profile p').args).toEqual(['-u', '5', '-r', '0.5', '-t', '30s']);
  });

  it('names the missing fields, and a --duration that is no whole second', () => {
    expect(issues(() => locustPlan(noShape, section({}), null, 'profiles.p', 'profile p'))).toEqual([
      'profiles.p.locust.users: required (the locustfile has no LoadTestShape)',
      'profiles.p.locust.runTime: required (the locustfile has no LoadTestShape); e.g. "30s"',
    ]);
    expect(issues(() => locustPlan(noShape, section({ users: 1 }), '2500ms', 'profiles.p', 'profile p'))[0]).toContain('whole seconds');
  });

  it("with a LoadTestShape: the shape's length, no -u/-r/-t, and its fields refused", () => {
    expect(locustPlan(shaped, section({}), null, 'profiles.p', 'profile p')).toEqual({ plannedMs: 15_000, args: [], note: null });
    expect(issues(() => locustPlan(shaped, section({ users: 3, runTime: '10s' }), '10s', 'profiles.p', 'profile p'))).toEqual([
      "profiles.p.locust.users: the locustfile's LoadTestShape Spike sets the users and the length: remove it",
      "profiles.p.locust.runTime: the locustfile's LoadTestShape Spike sets the users and the length: remove it",
    ]);
    const unknown = locustPlan({ ...shaped, shapeMs: null, shapeNote: 'its tick() raised AttributeError outside a run' }, section({}), null, 'profiles.p', 'profile p');
    expect(unknown.plannedMs).toBeNull();
    expect(unknown.note).toContain('AttributeError');
  });
});
