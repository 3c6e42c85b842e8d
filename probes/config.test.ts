import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { formatIssues } from '../config/index.js';
import { celeryQueueKeys } from './celery-redis.js';

function issues(probes: unknown): string[] {
  const r = configSchema.safeParse({ probes });
  return r.success ? [] : formatIssues(r.error);
}

describe('probes config section', () => {
  it('defaults to no probes, a 1 s interval and kombu layout for Celery', () => {
    const cfg = configSchema.parse({ probes: { list: [{ kind: 'celery-redis', id: 'ing', queue: 'ingestion' }] } });
    expect(cfg.probes.intervalMs).toBe(1000);
    expect(cfg.probes.list[0]).toEqual({
      kind: 'celery-redis',
      id: 'ing',
      queue: 'ingestion',
      prioritySteps: [0, 3, 6, 9],
      separator: '\x06\x16',
      keyPrefix: '',
      unackedKey: 'unacked',
    });
    expect(configSchema.parse({}).probes).toEqual({ intervalMs: 1000, timeoutMs: 800, list: [] });
  });

  it('names the field of a misspelt, missing or unknown-kind probe', () => {
    expect(issues({ list: [{ kind: 'celery-redis', id: 'a', queue: 'q', priority: [0] }] })).toEqual([expect.stringMatching(/^probes\.list\.0: Unrecognized key: "priority"/)]);
    expect(issues({ list: [{ kind: 'redis-stream', id: 'a', stream: 's' }] })[0]).toMatch(/^probes\.list\.0\.group: /);
    expect(issues({ list: [{ kind: 'kafka', id: 'a' }] })[0]).toMatch(/^probes\.list\.0\.kind: /);
  });

  it('rejects duplicate ids and a timeout longer than the interval', () => {
    const dup = { kind: 'celery-redis', id: 'a', queue: 'q' };
    expect(issues({ list: [dup, dup] })).toEqual(['probes.list: probe ids must be unique']);
    expect(issues({ intervalMs: 500, timeoutMs: 600 })).toEqual(['probes.timeoutMs: must not exceed intervalMs']);
  });
});

describe('celeryQueueKeys', () => {
  it('is the bare name for step 0 and name + separator + step otherwise', () => {
    expect(celeryQueueKeys('ingestion', [0, 3, 6, 9], '\x06\x16')).toEqual(['ingestion', 'ingestion\x06\x163', 'ingestion\x06\x166', 'ingestion\x06\x169']);
    expect(celeryQueueKeys('q', [0, 5], ':', 'p/')).toEqual(['p/q', 'p/q:5']);
  });
});
