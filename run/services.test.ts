import { describe, expect, it } from 'vitest';
import { configSchema, type ChaosgateConfigInput } from '../config/schema.js';
import { formatIssues } from '../config/index.js';
import { createEvaluation } from '../evaluator/evaluation.js';
import { ConfigError, SafetyError } from '../lib/errors.js';
import { serviceSummaries } from '../analysis/services.js';
import { configServices, groupByWithServices, planPlace, planServices, prepareServices, serviceAddresses, serviceEnv, serviceProxyRoutes, serviceTagger } from './services.js';

const config = (raw: ChaosgateConfigInput) => configSchema.parse(raw);

function issuesOf(raw: unknown): string[] {
  const r = configSchema.safeParse(raw);
  return r.success ? [] : formatIssues(r.error);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

const services = {
  web: { url: 'http://127.0.0.1:8000/app/' },
  api: { url: 'http://localhost:9000' },
  db: { tcp: '127.0.0.1:5432' },
};

describe('services section', () => {
  it('accepts url and tcp services', () => {
    expect(config({ services }).services.web).toEqual({ url: 'http://127.0.0.1:8000/app/' });
  });

  it('names the field of every bad service', () => {
    expect(issuesOf({ services: { web: { url: 'ftp://x:21' } } })).toEqual(['services.web.url: must be an http:// or https:// URL, not ftp://']);
    expect(issuesOf({ services: { web: { url: 'not a url' } } })[0]).toMatch(/^services\.web\.url: must be an http/);
    expect(issuesOf({ services: { web: { url: 'http://u:secret@x:80' } } })[0]).toMatch(/^services\.web\.url: must not carry credentials/);
    expect(issuesOf({ services: { db: { tcp: 'x' } } })).toEqual(['services.db.tcp: must be host:port']);
    expect(issuesOf({ services: { db: {} } })).toEqual(['services.db: give exactly one of url (an HTTP service) or tcp (host:port)']);
    expect(issuesOf({ services: { db: { url: 'http://x', tcp: 'x:1' } } })[0]).toMatch(/^services\.db: give exactly one/);
    expect(issuesOf({ services: { web: { url: 'http://x', port: 1 } } })[0]).toMatch(/^services\.web: Unrecognized key: "port"/);
    expect(issuesOf({ services: { Web: { url: 'http://x' } } })[0]).toMatch(/^services\.Web: .*service names/);
    expect(issuesOf({ services: { 'a-b': { url: 'http://x' }, a_b: { url: 'http://y' } } })).toEqual(['services.a_b: "a_b" and "a-b" both become CHAOSGATE_*_A_B: rename one']);
  });
});

const plan = [
  { id: 'web-slow', kind: 'http-latency', target: 'web', params: { fixedMs: 100 } },
  { id: 'db-reset', kind: 'tcp-reset', target: 'db' },
  { id: 'pause', kind: 'process-pause', target: '/tmp/x.pid' },
];

describe('planServices', () => {
  it('routes each targeted service by its faults layer and leaves the others direct', () => {
    const p = planServices(config({ services }), plan, planPlace('chaos'), []);
    expect(serviceProxyRoutes(p)).toEqual([
      { name: 'web', protocol: 'http', listen: '127.0.0.1:0', upstream: '127.0.0.1:8000' },
      { name: 'db', protocol: 'tcp', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' },
    ]);
    const addrs = serviceAddresses(p, { web: 'http://127.0.0.1:41000', db: 'tcp://127.0.0.1:41001' });
    expect(serviceEnv(addrs)).toEqual({
      CHAOSGATE_URL_WEB: 'http://127.0.0.1:41000/app',
      CHAOSGATE_URL_API: 'http://localhost:9000',
      CHAOSGATE_ADDR_DB: '127.0.0.1:41001',
    });
    expect(addrs.find((a) => a.name === 'web')).toMatchObject({ proxied: true, urls: ['http://127.0.0.1:41000/app', 'http://127.0.0.1:8000/app'] });
    expect(addrs.find((a) => a.name === 'api')).toMatchObject({ proxied: false });
  });

  it('an http service with only tcp faults gets a tcp route, and keeps its URL scheme and path', () => {
    const p = planServices(config({ services }), [{ id: 'w', kind: 'tcp-latency', target: 'web' }], planPlace('chaos'), []);
    expect(p.routes).toEqual([{ service: 'web', protocol: 'tcp', upstream: '127.0.0.1:8000', tls: false }]);
    expect(serviceEnv(serviceAddresses(p, { web: 'tcp://127.0.0.1:41002' })).CHAOSGATE_URL_WEB).toBe('http://127.0.0.1:41002/app');
  });

  it('an https service with http faults gets a TLS-originating route; the script speaks plain http to it', () => {
    const c = config({ services: { secure: { url: 'https://staging.local/api' } }, chaos: { allowlist: ['staging.local'] } });
    const p = planServices(c, [{ id: 's', kind: 'http-latency', target: 'secure' }], planPlace('chaos'), []);
    expect(p.routes).toEqual([{ service: 'secure', protocol: 'http', upstream: 'staging.local:443', tls: true }]);
    expect(serviceProxyRoutes(p)).toEqual([{ name: 'secure', protocol: 'http', listen: '127.0.0.1:0', upstream: 'staging.local:443', tls: true }]);
    expect(serviceEnv(serviceAddresses(p, { secure: 'http://127.0.0.1:41003' })).CHAOSGATE_URL_SECURE).toBe('http://127.0.0.1:41003/api');
  });

  it('names the plan field of an unknown target, a wrong layer, mixed layers and tcp faults on https', () => {
    const c = config({ services: { ...services, secure: { url: 'https://127.0.0.1:8443' } } });
    const err = thrown(() =>
      planServices(
        c,
        [
          { id: 'a', kind: 'http-abort', target: 'nope' },
          { id: 'b', kind: 'http-latency', target: 'db' },
          { id: 'c', kind: 'http-latency', target: 'web' },
          { id: 'd', kind: 'tcp-reset', target: 'web' },
          { id: 'e', kind: 'tcp-reset', target: 'secure' },
          { id: 'f', kind: 'http-abort', target: 'stack' },
          { id: 'g', kind: 'http-abort', target: 'constructor' },
        ],
        planPlace('chaos'),
        ['stack'],
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      'profiles.chaos.plan.0.target: no service or proxy route "nope" (services: web, api, db, secure; proxy routes: stack)',
      'profiles.chaos.plan.1.target: http-latency needs an HTTP service; "db" is a tcp service (services.db.tcp)',
      'profiles.chaos.plan.3.target: tcp-reset and http-latency (c) on one service need an http and a tcp route; use one layer per service',
      'profiles.chaos.plan.4.target: tcp-reset on "secure", an https service (services.secure.url): tcp faults need a plain http:// or tcp service; use an http-* fault',
      'profiles.chaos.plan.6.target: no service or proxy route "constructor" (services: web, api, db, secure; proxy routes: stack)',
    ]);
  });

  it('refuses a service named like another route', () => {
    const err = thrown(() => planServices(config({ services: { stack: { url: 'http://127.0.0.1:1' } } }), [], planPlace('p'), ['stack']));
    expect((err as ConfigError).issues[0]).toMatch(/^services\.stack: a proxy route is named "stack"/);
  });

  it('loads an off-loopback service freely but faults it only when its host is on the allowlist', () => {
    const remote = { services: { web: { url: 'http://staging.example.org:8080' } } };
    expect(planServices(config(remote), [], planPlace('p'), []).routes).toEqual([]);
    const faulted = [{ id: 'w', kind: 'http-latency', target: 'web' }];
    const err = thrown(() => planServices(config(remote), faulted, planPlace('p'), []));
    expect(err).toBeInstanceOf(SafetyError);
    expect(err.message).toContain('services.web: host "staging.example.org"');
    expect(planServices(config({ ...remote, chaos: { allowlist: ['staging.example.org'] } }), faulted, planPlace('p'), []).routes).toHaveLength(1);
  });
});

describe('serviceTagger', () => {
  const p = planServices(
    config({ services: { web: { url: 'http://127.0.0.1:8000' }, app: { url: 'http://127.0.0.1:8000/app' }, api: { url: 'http://127.0.0.1:9000/v1/' } } }),
    [{ id: 'w', kind: 'http-latency', target: 'api' }],
    planPlace('p'),
    [],
  );
  const tag = serviceTagger(serviceAddresses(p, { api: 'http://127.0.0.1:41000' }));

  it('tags by origin and path prefix at a / boundary, the longest base winning', () => {
    expect(tag({ url: 'http://127.0.0.1:8000/' })).toEqual({ service: 'web' });
    expect(tag({ url: 'http://127.0.0.1:8000/application' })).toEqual({ service: 'web' });
    expect(tag({ url: 'http://127.0.0.1:8000/app' })).toEqual({ service: 'app' });
    expect(tag({ url: 'http://127.0.0.1:8000/app/x?y=1' })).toEqual({ service: 'app' });
    expect(tag({ url: 'http://127.0.0.1:41000/v1/items' })).toEqual({ service: 'api' });
    expect(tag({ url: 'http://127.0.0.1:9000/v1' })).toEqual({ service: 'api' });
  });

  it('leaves other URLs, samples without url and the script own service tag alone', () => {
    expect(tag({ url: 'http://127.0.0.1:80001/' })).toBeNull();
    expect(tag({ url: 'http://127.0.0.1:9000/v2/x' })).toBeNull();
    expect(tag({ url: 'http://127.0.0.1:41000/other' })).toBeNull();
    expect(tag({ url: 'not a url' })).toBeNull();
    expect(tag({ name: 'x' })).toBeNull();
    expect(tag({ url: 'http://127.0.0.1:8000/', service: 'mine' })).toBeNull();
  });
});

describe('the service tag in an evaluation', () => {
  it('splits series and judges a gate per service, and the summary gives each its p95 and error rate', () => {
    const c = config({ services: { web: { url: 'http://127.0.0.1:8000' }, api: { url: 'http://127.0.0.1:9000' } } });
    const p = planServices(c, [], planPlace('p'), []);
    const addresses = serviceAddresses(p, {});
    const ev = createEvaluation(
      { groupBy: groupByWithServices(c) },
      [
        { id: 'web-p95', metric: 'http_req_duration{service:web}', expression: 'p(95)<100' },
        { id: 'api-errors', metric: 'http_req_failed{service:api}', expression: 'rate<0.1' },
      ],
      { deriveTags: serviceTagger(addresses) },
    );
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 100; i++) {
      const web = { url: `http://127.0.0.1:8000/page/${i % 3}`, method: 'GET', status: '200', expected_response: 'true' };
      const failed = i % 4 === 0;
      const api = { url: 'http://127.0.0.1:9000/items', method: 'GET', status: failed ? '503' : '200', expected_response: failed ? 'false' : 'true' };
      ev.ingestSample({ metric: 'http_req_duration', time: t0 + i * 10, value: 10 + (i % 10), tags: web });
      ev.ingestSample({ metric: 'http_reqs', time: t0 + i * 10, value: 1, tags: web });
      ev.ingestSample({ metric: 'http_req_failed', time: t0 + i * 10, value: 0, tags: web });
      ev.ingestSample({ metric: 'http_req_duration', time: t0 + i * 10, value: 500 + i, tags: api });
      ev.ingestSample({ metric: 'http_reqs', time: t0 + i * 10, value: 1, tags: api });
      ev.ingestSample({ metric: 'http_req_failed', time: t0 + i * 10, value: failed ? 1 : 0, tags: api });
    }
    const report = ev.finish();
    expect(report.config.groupBy).toContain('service');
    const byId = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(byId['web-p95']!.verdict).toBe('pass');
    expect(byId['web-p95']!.observed!).toBeLessThan(20);
    expect(byId['api-errors']!.verdict).toBe('fail');
    expect(byId['api-errors']!.observed).toBeCloseTo(0.25, 5);
    const summary = serviceSummaries(
      report,
      addresses.map((a) => ({ name: a.name, address: a.value, proxied: a.proxied })),
    );
    expect(summary.map((s) => [s.service, s.requests, s.errors])).toEqual([
      ['api', 100, 25],
      ['web', 100, 0],
    ]);
    expect(summary[0]!.errorRate).toBeCloseTo(0.25, 5);
    // p95 of the api's expected responses (500 + i, i not a multiple of 4): near 594, never the web's.
    expect(summary[0]!.p95!).toBeGreaterThan(580);
    expect(summary[1]!.p95!).toBeGreaterThanOrEqual(18);
    expect(summary[1]!.p95!).toBeLessThan(20);
  });
});

describe('requests that matched no service', () => {
  it('are counted in a note (a named request: k6 puts its name in the url tag), and no note when all matched', () => {
    const c = config({ services: { web: { url: 'http://127.0.0.1:8000' } } });
    const run = prepareServices(c, [], planPlace('p'), []);
    run.start({});
    const judge = (urls: string[]) => {
      const ev = createEvaluation({ groupBy: groupByWithServices(c) }, [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<100' }], { deriveTags: run.deriveTags });
      urls.forEach((url, i) => ev.ingestSample({ metric: 'http_req_duration', time: 1_700_000_000_000 + i, value: 5, tags: { url, name: url } }));
      return run.untaggedNote(ev.finish());
    };
    // k6 writes a named request's url tag as its name ("GET /a"): no URL to match.
    expect(judge(['http://127.0.0.1:8000/x', 'GET /a', 'GET /a'])).toMatch(/^2 HTTP requests matched no service/);
    expect(judge(['http://127.0.0.1:8000/x', 'http://127.0.0.1:8000/y'])).toBeNull();
  });
});

describe('services replayed (evaluate, merge)', () => {
  const cfg = config({ services });
  it('tags by the addresses a run recorded (the fault proxy for a faulted service), else by the services own', () => {
    const proxy = {
      service: 'web',
      envName: 'CHAOSGATE_URL_WEB',
      value: 'http://127.0.0.1:41234/app',
      urls: ['http://127.0.0.1:41234/app', 'http://127.0.0.1:8000/app'],
      proxied: true,
    };
    const replayed = configServices(cfg).replay([time(proxy)]);
    expect(replayed.deriveTags({ url: 'http://127.0.0.1:41234/app/x' })).toEqual({ service: 'web' });
    expect(replayed.deriveTags({ url: 'http://localhost:9000/items' })).toEqual({ service: 'api' });
    expect(replayed.recorded().find((a) => a.service === 'web')).toEqual(proxy);
    // Without the run's events: the proxy's port is nobody's, the services' own URLs still tag.
    const plain = configServices(cfg).replay([]);
    expect(plain.deriveTags({ url: 'http://127.0.0.1:41234/app/x' })).toBeNull();
    expect(plain.deriveTags({ url: 'http://127.0.0.1:8000/app/x' })).toEqual({ service: 'web' });
    // A recorded service the config no longer has is ignored.
    expect(
      configServices(cfg)
        .replay([time({ ...proxy, service: 'gone' })])
        .recorded()
        .map((a) => a.service),
    ).toEqual(['web', 'api', 'db']);
  });
});

function time<T>(a: T): T & { time: string; epochMs: number } {
  return { time: '2026-01-01T12:00:00.000Z', epochMs: Date.UTC(2026, 0, 1, 12), ...a };
}
