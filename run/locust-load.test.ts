import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors.js';
import { locustSectionSchema } from '../load/locust-config.js';
import { resolveLocustLoad } from './locust-load.js';

const section = locustSectionSchema.parse({ users: 3, runTime: '20s', args: ['--stop-timeout', '2'] });
const profile = { locustfile: 'load/locustfile.py', locust: section };

describe('resolveLocustLoad', () => {
  it("resolves the locustfile from the config's folder; --duration, then the profile's duration, then runTime", () => {
    const load = resolveLocustLoad(profile, { configDir: '/repo', k6Args: ['--loglevel', 'DEBUG'] })!;
    expect(load.file).toBe('/repo/load/locustfile.py');
    expect(load.runTime).toBe('20s');
    expect(load.section.args).toEqual(['--stop-timeout', '2', '--loglevel', 'DEBUG']);
    expect(resolveLocustLoad({ ...profile, duration: '40s' }, { configDir: '/repo' })!.runTime).toBe('40s');
    expect(resolveLocustLoad({ ...profile, duration: '40s' }, { configDir: '/repo', duration: '1m' })!.runTime).toBe('1m');
    expect(resolveLocustLoad({ locustfile: 'l.py' }, { configDir: '/r' })).toMatchObject({ runTime: null, section: { workers: 0, args: [] } });
  });

  it('is null for a k6 profile or a --script run, and refuses what belongs to k6 or to chaosgate', () => {
    expect(resolveLocustLoad({}, {})).toBeNull();
    expect(resolveLocustLoad(profile, { script: 'load.js' })).toBeNull();
    expect(() => resolveLocustLoad({}, { script: 'locustfile.py' })).toThrow(UsageError);
    expect(() => resolveLocustLoad({}, { script: 'locustfile.py' })).toThrow("a .py file is a locustfile: give it to a profile's `locustfile`");
    expect(() => resolveLocustLoad(profile, { shards: 2 })).toThrow('--shards runs k6 processes: a locustfile profile scales out with locust.workers');
    expect(() => resolveLocustLoad(profile, { k6Args: ['-u', '50'] })).toThrow('arguments after --: -u are set by chaosgate for Locust');
  });
});
