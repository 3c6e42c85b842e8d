// The HTTP probes against real servers: the JSON probe against a node:http endpoint whose answer the
// test changes, the Prometheus probe against a real prometheus-client exporter (Python, started
// here; `pip install prometheus-client`, scripts/setup.sh) in both OpenMetrics and the text format.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, probeConfigSchema, startProbes, type GaugeSample } from '../../probes/index.js';
import { parsePrometheusText } from '../../probes/prometheus-text.js';
import { freePort } from '../../lib/net.js';
import { startLoopbackHttp, waitForPort, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const ctx = { redisUrl: 'redis://unused', timeoutMs: 2000 };

describe('http-json probe', () => {
  let body = '{}';
  let status = 200;
  let api: LoopbackHttp;
  let seenAuth: string | undefined;
  beforeAll(async () => {
    api = await startLoopbackHttp((req, res) => {
      seenAuth = req.headers.authorization;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  afterAll(() => api?.close());

  const probe = () =>
    createProbe(
      probeConfigSchema.parse({
        kind: 'http-json',
        id: 'ready',
        url: `${api.url}/readiness`,
        headersEnv: { Authorization: 'CHAOSGATE_TEST_READY_AUTH' },
        read: [
          { path: 'checks.db.latency_ms', metric: 'db_latency_ms' },
          { path: 'gpus.1.used_percent', metric: 'gpu_memory_used_percent' },
        ],
      }),
      ctx,
    );

  it('reads each path of the answer into its gauge, sending the header from env', async () => {
    process.env.CHAOSGATE_TEST_READY_AUTH = 'Bearer t0ken';
    body = JSON.stringify({ checks: { db: { latency_ms: 12.5 } }, gpus: [{ used_percent: 1 }, { used_percent: 71.25 }] });
    const p = probe();
    expect(await p.read()).toEqual([
      { metric: 'db_latency_ms', value: 12.5 },
      { metric: 'gpu_memory_used_percent', value: 71.25 },
    ]);
    expect(seenAuth).toBe('Bearer t0ken');
    body = JSON.stringify({ checks: { db: { latency_ms: 40 } }, gpus: [{ used_percent: 1 }, { used_percent: 0 }] });
    expect((await p.read()).map((r) => r.value)).toEqual([40, 0]);
  });

  it('a missing path, a non-number, non-JSON or a 503 is a probe error naming it, never a zero', async () => {
    const p = probe();
    body = JSON.stringify({ checks: { db: {} }, gpus: [] });
    await expect(p.read()).rejects.toThrow('checks.db.latency_ms: checks.db has no key "latency_ms"');
    body = JSON.stringify({ checks: { db: { latency_ms: 'slow' } }, gpus: [] });
    await expect(p.read()).rejects.toThrow('checks.db.latency_ms is "slow", not a number');
    body = JSON.stringify({ checks: { db: { latency_ms: 1 } }, gpus: [{}] });
    await expect(p.read()).rejects.toThrow('gpus.1.used_percent: gpus is an array of 1, no index 1');
    body = '<html>';
    await expect(p.read()).rejects.toThrow('the answer is not JSON');
    status = 503;
    body = '{}';
    await expect(p.read()).rejects.toThrow('HTTP 503');
    status = 200;
    delete process.env.CHAOSGATE_TEST_READY_AUTH;
    await expect(p.read()).rejects.toThrow('env CHAOSGATE_TEST_READY_AUTH (header Authorization) is not set');

    const samples: GaugeSample[] = [];
    const sampler = startProbes([], { probes: [p], intervalMs: 100, timeoutMs: 100, onSample: (s) => samples.push(s) });
    await waitFor(() => samples.some((s) => s.metric === 'probe_errors' && s.value >= 2), { what: 'two failed readings' });
    await sampler.stop();
    expect(samples.filter((s) => s.metric !== 'probe_errors')).toEqual([]);
  });
});

describe('prometheus probe against a real prometheus-client exporter', () => {
  let exporter: ChildProcess;
  let url: string;
  let send: (cmd: string) => Promise<void>;
  beforeAll(async () => {
    const port = await freePort();
    exporter = spawn('python3', [join(import.meta.dirname, '../support/prom_exporter.py'), String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: exporter.stdout! });
    const waiting: Array<() => void> = [];
    lines.on('line', () => waiting.shift()?.());
    await new Promise<void>((r) => waiting.push(r)); // "ready"
    await waitForPort('127.0.0.1', port, 10_000);
    url = `http://127.0.0.1:${port}/metrics`;
    send = (cmd) =>
      new Promise<void>((r) => {
        waiting.push(r);
        exporter.stdin!.write(`${cmd}\n`);
      });
  }, 30_000);
  afterAll(() => {
    exporter?.kill('SIGKILL');
  });

  it('parses the exporter in both formats alike (OpenMetrics: _total, # EOF; text; escaped label values)', async () => {
    const om = await (await fetch(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })).text();
    const plain = await (await fetch(url, { headers: { accept: 'text/plain;version=0.0.4' } })).text();
    expect(om.trimEnd().endsWith('# EOF')).toBe(true);
    expect(plain).not.toContain('# EOF');
    for (const text of [om, plain]) {
      const s = parsePrometheusText(text);
      expect(s.find((x) => x.name === 'label_escapes')!.labels.v).toBe('a"b\\c\nd');
      expect(s.find((x) => x.name === 'task_seconds_bucket' && x.labels.le === '+Inf')).toMatchObject({ family: 'task_seconds', type: 'histogram' });
      // OpenMetrics names the family celery_tasks, the text format celery_tasks_total: a counter either way.
      expect(s.find((x) => x.name === 'celery_tasks_total')).toMatchObject({ type: 'counter', labels: { queue: 'ingestion', worker: 'w1' } });
    }
  });

  it('a labelled gauge as it is, a counter as its per-second rate, labels as tags', async () => {
    const p = createProbe(
      probeConfigSchema.parse({
        kind: 'prometheus',
        id: 'celery',
        url,
        select: [
          { metric: 'celery_queue_length', as: 'queue_depth', where: { queue_name: 'ingestion' } },
          { metric: 'celery_tasks_total', tags: ['queue'] },
        ],
      }),
      ctx,
    );
    await send('depth 42');
    const first = await p.read();
    expect(first).toEqual([{ metric: 'queue_depth', value: 42, tags: { queue_name: 'ingestion' } }]);
    const before = Date.now();
    await send('inc 50');
    await new Promise((r) => setTimeout(r, 500));
    const after = Date.now();
    const second = await p.read();
    const end = Date.now();
    const rate = second.find((r) => r.metric === 'celery_tasks_total_per_second')!;
    expect(rate.tags).toEqual({ queue: 'ingestion' });
    // 50 tasks between two scrapes at most (end - first scrape) and at least (after - before) apart.
    expect(rate.value).toBeGreaterThan(50 / ((end - before + 2000) / 1000));
    expect(rate.value).toBeLessThanOrEqual(50 / ((after - before) / 1000));
    const third = await p.read();
    expect(third.find((r) => r.metric === 'celery_tasks_total_per_second')!.value).toBe(0);
    await p.close();
  });

  it('a misspelt metric is a failed reading (probe_errors), naming similar names', async () => {
    const p = createProbe(probeConfigSchema.parse({ kind: 'prometheus', id: 'typo', url, select: [{ metric: 'celery_queue_len' }] }), ctx);
    await expect(p.read()).rejects.toThrow(/no sample named celery_queue_len in the scrape \(similar: .*celery_queue_length/);
  });
});
