import { describe, expect, it } from 'vitest';
import { SafetyError } from '../lib/errors.js';
import { checkAllowlist } from './allowlist.js';
import { chaosSectionSchema } from './config.js';
import { driverContext } from './drivers/context.js';

const ctx = (redisUrl = 'redis://127.0.0.1:6379') => driverContext(redisUrl, { url: 'http://127.0.0.1:8474', timeoutMs: 1000 }, {});

function section(allowlist: string[], upstream: string) {
  return chaosSectionSchema.parse({
    allowlist,
    proxy: { routes: [{ name: 'web', upstream }] },
    plan: [{ id: 'flag', kind: 'redis-toggle', target: 'feature:x', params: { value: 'false' } }],
  });
}

describe('allowlist', () => {
  it('lets loopback through by default', () => {
    expect(() => checkAllowlist(section([], '127.0.0.1:8080'), ctx())).not.toThrow();
    expect(() => checkAllowlist(section([], 'localhost:8080'), ctx())).not.toThrow();
  });

  it('lets a host listed by name through, in any case', () => {
    expect(() => checkAllowlist(section(['staging.internal'], 'STAGING.internal:8080'), ctx('redis://staging.internal:6379'))).not.toThrow();
  });

  it('refuses every field aimed elsewhere, naming each', () => {
    const err = (() => {
      try {
        checkAllowlist(section(['staging.internal'], 'prod.example.com:443'), ctx('redis://:pw@10.0.0.5:6379'));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(SafetyError);
    expect(err?.message).toContain('chaos.proxy.routes.0.upstream: host "prod.example.com"');
    expect(err?.message).toContain('chaos.plan.0 (flag, redis-toggle): host "10.0.0.5"');
    expect(err?.message).toContain('chaos.allowlist: loopback, staging.internal');
    expect(err?.message).not.toContain('pw');
  });
});
