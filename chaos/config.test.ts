import { describe, expect, it } from 'vitest';
import { formatIssues } from '../config/index.js';
import { chaosSectionSchema } from './config.js';

function issues(input: unknown): string[] {
  const result = chaosSectionSchema.safeParse(input);
  return result.success ? [] : formatIssues(result.error);
}

describe('chaos config section', () => {
  it('defaults to loopback only, no routes, an empty plan', () => {
    const section = chaosSectionSchema.parse({});
    expect(section.allowlist).toEqual([]);
    expect(section.plan).toEqual([]);
    expect(section.control.listen).toBe('127.0.0.1:0');
  });

  it('parses durations and checks each entry params with its fault', () => {
    const section = chaosSectionSchema.parse({
      proxy: { routes: [{ name: 'web', upstream: '127.0.0.1:8080' }] },
      plan: [{ id: 'slow', kind: 'http-latency', target: 'web', at: '1.5s', duration: '2m', params: { fixedMs: 100 } }],
    });
    expect(section.plan[0]).toMatchObject({ at: 1500, duration: 120_000, params: { fixedMs: 100, jitterMs: 0 } });
  });

  it('tls is for http routes only', () => {
    expect(issues({ proxy: { routes: [{ name: 'secure', upstream: 'example.org:443', tls: true }] } })).toEqual([]);
    expect(issues({ proxy: { routes: [{ name: 'db', protocol: 'tcp', upstream: '127.0.0.1:5432', tls: true }] } })).toEqual([
      'proxy.routes.0.tls: tls applies to http routes only (a tcp route relays bytes as they are)',
    ]);
  });

  it('names the field of every mistake', () => {
    expect(
      issues({
        proxy: { routes: [{ name: 'redis', protocol: 'tcp', upstream: '127.0.0.1:6379' }] },
        plan: [
          { id: 'a', kind: 'http-abort', target: 'redis', params: { status: 418 } },
          { id: 'a', kind: 'tcp-latency', target: 'nowhere', params: { fixedMs: 1 } },
          { id: 'c', kind: 'redis-toggle', target: 'k', at: 'soon' },
          { id: 'd', kind: 'explode', target: 'x' },
          { id: 'e', kind: 'redis-toggle', target: 'k', params: {} },
        ],
      }),
    ).toEqual([
      'plan.0.params.status: must be 429, 500, 502 or 503',
      'plan.2.at: must be a duration: whole milliseconds, or k6 text such as 500ms, 30s, 2m, 1h (got "soon")',
      expect.stringMatching(/^plan\.3\.kind: Invalid option: expected one of "http-latency"/),
      expect.stringMatching(/^plan\.4\.params\.value: /),
    ]);
    expect(
      issues({
        proxy: { routes: [{ name: 'redis', protocol: 'tcp', upstream: '127.0.0.1:6379' }] },
        plan: [
          { id: 'a', kind: 'http-abort', target: 'redis', params: { status: 503 } },
          { id: 'a', kind: 'tcp-latency', target: 'nowhere', params: { fixedMs: 1 } },
        ],
      }),
    ).toEqual([
      'plan.0.target: http-abort needs an http route; "redis" is tcp',
      'plan.1.id: duplicate id "a"',
      'plan.1.target: no proxy route "nowhere" (chaos.proxy.routes: redis)',
    ]);
  });

  it('refuses proxy routes and the control endpoint off loopback unless chaos.allowNonLoopbackListen is true', () => {
    const offLoopback = {
      proxy: {
        routes: [
          { name: 'ok', listen: '127.0.0.1:0', upstream: '127.0.0.1:8080' },
          { name: 'open', listen: '0.0.0.0:8081', upstream: '127.0.0.1:8080' },
          { name: 'lan', listen: '192.168.1.20:8082', upstream: '127.0.0.1:8080' },
          { name: 'v6', listen: '[::]:8083', upstream: '127.0.0.1:8080' },
          { name: 'local6', listen: '[::1]:0', upstream: '127.0.0.1:8080' },
        ],
      },
      control: { listen: '0.0.0.0:0' },
    };
    expect(issues(offLoopback)).toEqual([
      'proxy.routes.1.listen: "0.0.0.0:8081" is not a loopback address: a proxy route (an open relay to its upstream elsewhere) listens on loopback only unless chaos.allowNonLoopbackListen is true',
      'proxy.routes.2.listen: "192.168.1.20:8082" is not a loopback address: a proxy route (an open relay to its upstream elsewhere) listens on loopback only unless chaos.allowNonLoopbackListen is true',
      'proxy.routes.3.listen: "[::]:8083" is not a loopback address: a proxy route (an open relay to its upstream elsewhere) listens on loopback only unless chaos.allowNonLoopbackListen is true',
      'control.listen: "0.0.0.0:0" is not a loopback address: the control endpoint listens on loopback only unless chaos.allowNonLoopbackListen is true',
    ]);
    expect(issues({ ...offLoopback, allowNonLoopbackListen: true })).toEqual([]);
  });
});
