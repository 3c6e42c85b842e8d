import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../lib/errors.js';
import { configSchema, formatIssues, loadConfig, setPath } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-config-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('setPath', () => {
  it('creates objects on the way and indexes existing arrays', () => {
    const o: Record<string, unknown> = { gates: [{ metric: 'a', expression: 'rate<0.1' }] };
    setPath(o, 'gates.0.expression', 'rate<0.05');
    setPath(o, 'run.drain.timeout', '10s');
    expect(o).toEqual({ gates: [{ metric: 'a', expression: 'rate<0.05' }], run: { drain: { timeout: '10s' } } });
  });
});

describe('loadConfig', () => {
  it('applies --set to one gate of the list and env overrides by name', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(file, JSON.stringify({ gates: [{ id: 'g', metric: 'http_req_failed', expression: 'rate<0.1' }] }));
    const c = await loadConfig({ file, set: ['gates.0.expression=rate<0.05', 'run.drain.timeout="10s"'], env: { CHAOSGATE_REDIS_URL: 'redis://127.0.0.1:7777' } });
    expect(c.gates[0]!.expression).toBe('rate<0.05');
    expect(c.run.drain.timeout).toBe('10s');
    expect(c.redis.url).toBe('redis://127.0.0.1:7777');
  });

  it('names the field, the file and the overrides that were applied', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ run: { allowedErrorRate: 2 } }));
    const err = await loadConfig({ file, set: ['load.spike.multiplier=0'], env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain(file);
    expect(msg).toContain('--set load.spike.multiplier');
    expect(msg).toMatch(/run\.allowedErrorRate: .*1/);
    expect(msg).toMatch(/load\.spike\.multiplier: /);
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it('refuses run.previousReport (in the file or by --set) naming its replacement, beside the other issues, exit 2', async () => {
    const file = join(dir, 'retired.json');
    await writeFile(file, JSON.stringify({ run: { previousReport: 'last-night/report.json', allowedErrorRate: 2 } }));
    const err = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).issues).toEqual([
      'run.previousReport: no longer a config field; use evaluate.baselineReport (env CHAOSGATE_BASELINE_REPORT, flag --baseline), the one setting for the previous report',
      expect.stringMatching(/^run\.allowedErrorRate: /),
    ]);
    const viaSet = await loadConfig({ set: ['run.previousReport=r.json'], env: {} }).catch((e: unknown) => e);
    expect((viaSet as ConfigError).issues).toEqual([expect.stringMatching(/^run\.previousReport: no longer a config field; use evaluate\.baselineReport /)]);
  });

  it('takes the previous report from evaluate.baselineReport or CHAOSGATE_BASELINE_REPORT, never an empty one', async () => {
    expect((await loadConfig({ set: ['evaluate.baselineReport=a/report.json'], env: {} })).evaluate.baselineReport).toBe('a/report.json');
    expect((await loadConfig({ env: { CHAOSGATE_BASELINE_REPORT: 'b/report.json' } })).evaluate.baselineReport).toBe('b/report.json');
    // An empty env var means none (as a CI step that found no previous report leaves it).
    expect((await loadConfig({ env: { CHAOSGATE_BASELINE_REPORT: '' } })).evaluate.baselineReport).toBeUndefined();
    await expect(loadConfig({ set: ['evaluate.baselineReport=""'], env: {} })).rejects.toThrow(/evaluate\.baselineReport: /);
  });

  it('refuses a missing file and a --set without "="', async () => {
    await expect(loadConfig({ file: join(dir, 'nope.json') })).rejects.toThrow(/cannot read config .*nope\.json: ENOENT/);
    await expect(loadConfig({ set: ['run.outDir'] })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('odd input', () => {
  it('accepts a UTF-8 byte-order mark at the start of the file', async () => {
    const file = join(dir, 'bom.json');
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ run: { outDir: 'bom-out' } }))]));
    expect((await loadConfig({ file })).run.outDir).toBe('bom-out');
  });

  it('names file:line:col of a JSON syntax error, also where Node says no position', async () => {
    const file = join(dir, 'syntax.json');
    // "tru" is Node 20's "Unexpected token '}', … is not valid JSON": no position in the message.
    await writeFile(file, '{\n  "run": {\n    "outDir": tru\n  }\n}\n');
    const err = (await loadConfig({ file }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`invalid config ${file}:3:18:`);
    expect(err.message).toContain('not valid JSON: Unexpected token "\\n"');
    expect(err.message).not.toMatch(/is not valid JSON/);
    await writeFile(file, '{\n  "gates": [],\n}\n');
    expect(((await loadConfig({ file }).catch((e: unknown) => e)) as Error).message).toContain(`${file}:3:1:`);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses %s as a --set path segment (exit 2) and leaves Object.prototype alone', async (segment) => {
    for (const path of [`${segment}.polluted`, `run.${segment}.polluted`, `gates.0.${segment}`]) {
      const err = (await loadConfig({ set: [`${path}=1`] }).catch((e: unknown) => e)) as UsageError;
      expect(err, path).toBeInstanceOf(UsageError);
      expect(err.exitCode).toBe(2);
      expect(err.message).toBe(`--set ${path}: "${segment}" is not allowed as a path segment`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(() => setPath({}, '__proto__.polluted', 1)).toThrow(/"__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the index of a gate whose metric is malformed, at the top level and in a profile', async () => {
    const file = join(dir, 'metric.json');
    const ok = (id: string) => ({ id, metric: 'http_req_failed', expression: 'rate<0.1' });
    await writeFile(
      file,
      JSON.stringify({
        gates: [ok('a'), ok('b'), ok('c'), { metric: 'http_req_duration{bad', expression: 'p(95)<1' }],
        profiles: { p: { scenario: 'smoke', gates: [{ metric: 'x{name}', expression: 'rate<1' }] } },
      }),
    );
    const err = (await loadConfig({ file }).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues).toEqual([
      'gates.3.metric: metric "http_req_duration{bad": a sub-metric ends with its "}"',
      'profiles.p.gates.0.metric: metric "x{name}": tag filter "name" is not tag:value (k6 refuses an empty value)',
    ]);
    expect(err.exitCode).toBe(2);
  });

  it('takes whole milliseconds wherever a duration is allowed, and refuses a fraction or a negative', async () => {
    const config = await loadConfig({
      set: [
        'evaluate.bucketWidth=1000',
        'run.recovery.window=5000',
        'run.drain.timeout=30000',
        'load.soak.duration=60000',
        'chaos.plan=[{"id":"t","kind":"redis-toggle","target":"k","at":1500,"duration":2000,"params":{"value":"1"}}]',
        'gates=[{"metric":"http_req_failed","expression":"rate<0.1","window":3000}]',
      ],
    });
    expect(config.evaluate.bucketWidth).toBe('1000ms');
    expect(config.run.recovery.window).toBe('5000ms');
    expect(config.run.drain.timeout).toBe('30000ms');
    expect(config.load.soak.duration).toBe('60000ms');
    expect(config.chaos.plan[0]).toMatchObject({ at: 1500, duration: 2000 });
    expect(config.gates[0]!.window).toBe('3000ms');
    // The same text as before stays text.
    expect((await loadConfig({ set: ['evaluate.bucketWidth="2s"'] })).evaluate.bucketWidth).toBe('2s');

    const err = (await loadConfig({ set: ['evaluate.bucketWidth=1.5', 'run.recovery.window=-1', 'run.drain.timeout=0'] }).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues).toEqual([
      'evaluate.bucketWidth: must be a duration: whole milliseconds, or k6 text such as 500ms, 30s, 2m, 1h (got 1.5)',
      'run.recovery.window: must be a duration: whole milliseconds, or k6 text such as 500ms, 30s, 2m, 1h (got -1)',
      'run.drain.timeout: must be a duration longer than 0 (got 0)',
    ]);
  });
});

describe('the top-level chaos.plan and services', () => {
  const entry = (target: string, kind = 'http-latency') => ({ id: `f-${target}`, kind, target, params: kind === 'http-latency' ? { fixedMs: 10 } : {} });
  const issuesOf = (raw: unknown): string[] => {
    const r = configSchema.safeParse(raw);
    return r.success ? [] : formatIssues(r.error);
  };

  it('may target a service (run --script fronts it with a route) or a route, each at its layer', () => {
    const services = { web: { url: 'http://127.0.0.1:8000' }, db: { tcp: '127.0.0.1:5432' } };
    expect(issuesOf({ services, chaos: { plan: [entry('web'), entry('db', 'tcp-reset')] } })).toEqual([]);
    expect(issuesOf({ services, chaos: { plan: [entry('db')] } })).toEqual(['chaos.plan.0.target: http-latency needs an http route; "db" is tcp']);
  });

  it('names the routes and the services when a target is neither', () => {
    expect(issuesOf({ services: { web: { url: 'http://127.0.0.1:8000' } }, chaos: { plan: [entry('nope')] } })).toEqual([
      'chaos.plan.0.target: no proxy route "nope" (chaos.proxy.routes: none configured; services: web)',
    ]);
  });

  it('refuses two gates under one id (exit 2), naming both — also two default ids, at the top level and in a profile', async () => {
    const file = join(dir, 'dup-ids.json');
    const g = (id?: string, expression = 'rate<0.1') => ({ ...(id ? { id } : {}), metric: 'http_req_failed', expression });
    await writeFile(
      file,
      JSON.stringify({
        gates: [g('errors'), g('other', 'rate<0.2'), g('errors', 'rate<0.01')],
        profiles: { p: { scenario: 'smoke', gates: [g(), g(undefined, 'rate<0.2'), g()] } },
      }),
    );
    const err = (await loadConfig({ file }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.issues).toEqual([
      `gates.2.id: gate id "errors" is also gates[0]'s: every gate needs its own id`,
      `profiles.p.gates.2.id: gate id "http_req_failed: rate<0.1" is also gates[0]'s: every gate needs its own id (this one is the default from its metric and expression; give it an id)`,
    ]);
  });

  it('refuses a key given twice anywhere in the file (JSON.parse keeps the last: a strict gate list vanished), naming file:line', async () => {
    const file = join(dir, 'dup-keys.json');
    const text = [
      '{',
      '  "gates": [{ "id": "strict", "metric": "http_req_failed", "expression": "rate<0.001" }],',
      '  "evaluate": { "seriesCap": 100, "seriesCap": 200 },',
      '  "gates": []',
      '}',
    ].join('\n');
    await writeFile(file, text);
    const err = (await loadConfig({ file }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.issues).toEqual([
      `${file}:3:35: evaluate.seriesCap: key given twice (first on line 3); JSON keeps only the last`,
      `${file}:4:3: gates: key given twice (first on line 2); JSON keeps only the last`,
    ]);
  });
});
