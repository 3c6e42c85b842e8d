// Issue 20's acceptance: a real Celery worker (prefork, 2 pool processes) on a real redis-server,
// a real Celery producer behind HTTP, `chaosgate run` with the worker's whole process tree paused
// for a while: the Celery probe sees depth, unacknowledged and the oldest age rise and fall, the
// drain after the load gives drain_seconds (gated), and a probe on a misspelt queue gives a note and
// a failed check instead of a silent green.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { descendants } from '../../chaos/drivers/process-tree.js';
import { freePort } from '../../lib/net.js';
import { readProcStat } from '../../lib/proc.js';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const SUPPORT = join(import.meta.dirname, '../support');

const SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';
const WEB = __ENV.CHAOSGATE_URL_WEB;
export const options = { scenarios: { enqueue: { executor: 'constant-arrival-rate', rate: 15, timeUnit: '1s', duration: '12s', preAllocatedVUs: 5, maxVUs: 20 } } };
export default function () {
  check(http.get(WEB + '/enqueue?ms=60'), { queued: (r) => r.status === 202 });
}
`;

let dir: string;
let cli: CliBundle;
let redis: RunningServer;
let web: ChildProcess;
let worker: ChildProcess;
let webUrl: string;
const pidFile = () => join(dir, 'worker.pid');

function spawnPython(args: string[]): ChildProcess {
  return spawn('python3', args, { cwd: SUPPORT, env: { ...process.env, CELERY_BROKER_URL: redis.url }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

function killTree(child: ChildProcess | undefined): void {
  if (!child?.pid) return;
  for (const pid of [...descendants(child.pid), child.pid]) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-celery-'));
  [cli, redis] = await Promise.all([bundleCli('celery'), startRedis()]);
  const port = await freePort();
  web = spawnPython(['celery_app.py', 'web', String(port)]);
  await new Promise<void>((resolve) => createInterface({ input: web.stdout! }).once('line', () => resolve()));
  webUrl = `http://127.0.0.1:${port}`;
  worker = spawnPython(['-m', 'celery', '-A', 'celery_app', 'worker', '-Q', 'ingestion', '-c', '2', '-P', 'prefork', '--pidfile', pidFile(), '-l', 'warning']);
  // Ready when its two pool processes run and it has declared its queue on the broker.
  const admin = new Redis(redis.url);
  try {
    await waitFor(async () => descendants(worker.pid!).length >= 2 && (await admin.exists('_kombu.binding.ingestion')) === 1, {
      what: 'the Celery worker and its pool',
      timeoutMs: 60_000,
    });
  } finally {
    admin.disconnect();
  }
}, 120_000);

afterAll(async () => {
  killTree(worker);
  killTree(web);
  await redis?.stop();
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli.cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The largest value a gauge reached over every series of it for the probe. */
function gaugeMax(report: ReportModel, metric: string, probe: string): number {
  const series = report.series.filter((s) => s.metric === metric && s.tags.probe === probe);
  expect(series.length, `${metric}{probe:${probe}}`).toBeGreaterThan(0);
  return Math.max(...series.map((s) => s.gauge!.max));
}

describe('a real Celery worker paused as a whole tree', () => {
  it('depth, unacked and oldest age rise and fall, the drain is timed and gated, a misspelt queue fails a check', async () => {
    const pool = descendants(worker.pid!);
    const config = {
      redis: { url: redis.url },
      services: { web: { url: webUrl } },
      evaluate: { bucketWidth: '1s' },
      probes: {
        intervalMs: 250,
        timeoutMs: 200,
        list: [
          { kind: 'celery-redis', id: 'ing', queue: 'ingestion' },
          { kind: 'celery-redis', id: 'typo', queue: 'ingest' },
        ],
      },
      run: { outDir: 'results', drain: { timeout: '30s' } },
      profiles: {
        celery: {
          script: 'load.js',
          drain: true,
          plan: [{ id: 'pause-worker', kind: 'process-pause', target: pidFile(), at: '3s', duration: '8s', params: { tree: true } }],
          gates: [
            { id: 'drained', metric: 'drain_seconds{probe:ing}', expression: 'value<30' },
            { id: 'enqueued', metric: 'http_req_failed', expression: 'rate<0.01' },
          ],
        },
      },
    };
    await writeFile(join(dir, 'load.js'), SCRIPT);
    await writeFile(join(dir, 'chaosgate.config.json'), JSON.stringify(config, null, 2));
    const out = join(dir, 'run-1');
    // While the run pauses the worker, the pool processes must stop too (not only the main one).
    let poolSeenStopped = false;
    const watch = setInterval(() => {
      if (pool.every((pid) => readProcStat(pid)?.state === 'T')) poolSeenStopped = true;
    }, 100);
    const r = await runCli(['run', 'celery', '--config', join(dir, 'chaosgate.config.json'), '--out-dir', out], 120_000);
    clearInterval(watch);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(poolSeenStopped).toBe(true);
    // Nothing left paused.
    for (const pid of [worker.pid!, ...pool]) expect(readProcStat(pid)?.state).not.toBe('T');

    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    // The misspelt queue fails the run: exit 99, a failed check and a note naming it.
    expect(r.code, r.stderr).toBe(99);
    expect(report.verdict).toBe('fail');
    const gates = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(gates.drained!.verdict).toBe('pass');
    expect(gates.enqueued!.verdict).toBe('pass');
    const typo = report.gates.find((g) => g.group === 'probe checks')!;
    expect(typo).toMatchObject({ verdict: 'fail', id: 'probe typo (queue ingest): measured something real' });
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringContaining('probe typo: queue "ingest" never existed on the broker during the run')]));
    expect(report.gates.filter((g) => g.verdict === 'fail').map((g) => g.id)).toEqual([typo.id]);

    // 8 s paused at 15 tasks/s: the backlog, the reserved messages and the oldest age rose ...
    expect(gaugeMax(report, 'queue_depth', 'ing')).toBeGreaterThan(30);
    expect(gaugeMax(report, 'queue_pending', 'ing')).toBeGreaterThan(0);
    expect(gaugeMax(report, 'queue_oldest_age_seconds', 'ing')).toBeGreaterThan(3);
    expect(gaugeMax(report, 'queue_depth', 'typo')).toBe(0);
    // ... and fell: the drain found the queue empty, nothing unacknowledged, and says how long it took.
    // The pause ends 1 s before the load: the backlog outlives k6, so the drain has something to time.
    const drain = report.series.find((s) => s.metric === 'drain_seconds' && s.tags.probe === 'ing')!;
    expect(drain.gauge!.last).toBeGreaterThan(0.5);
    expect(drain.gauge!.last).toBeLessThan(30);
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^drain: queue ingestion \(probe ing\) was empty \d+\.\d s after k6 ended$/)]));
    // The queue that never existed has no drain line.
    expect(report.notes!.filter((n) => n.includes('probe typo'))).toHaveLength(1);
    if (process.env.CHAOSGATE_TEST_SHOW)
      console.log(['queue_depth', 'queue_pending', 'queue_oldest_age_seconds'].map((m) => `${m} max ${gaugeMax(report, m, 'ing')}`).join('; '), report.notes);
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('never existed on the broker');
    expect(md).toMatch(/drain: queue ingestion \(probe ing\) was empty/);
  }, 150_000);

  it('pre-flight: a service not ready fails the run in seconds, before k6 and before any fault (exit 1)', async () => {
    const port = await freePort();
    const config = {
      redis: { url: redis.url },
      services: { web: { url: webUrl }, db: { tcp: `127.0.0.1:${port}`, ready: { timeout: '2s' } } },
      profiles: {
        celery: {
          script: 'load.js',
          plan: [{ id: 'pause-worker', kind: 'process-pause', target: pidFile(), at: '1s', duration: '2s', params: { tree: true } }],
          gates: [{ id: 'ok', metric: 'http_req_failed', expression: 'rate<0.01' }],
        },
      },
    };
    await writeFile(join(dir, 'load.js'), SCRIPT);
    await writeFile(join(dir, 'preflight.json'), JSON.stringify(config, null, 2));
    const started = Date.now();
    const r = await runCli(['run', 'celery', '--config', join(dir, 'preflight.json'), '--out-dir', join(dir, 'run-pre')], 60_000);
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.stderr).toContain(`services.db.ready: 127.0.0.1:${port} not ready within 2s (ECONNREFUSED)`);
    expect(r.stderr).not.toMatch(/^k6: /m);
    expect(r.stderr).not.toContain('chaos: pause-worker on');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 60_000);

  it('chaosgate probe reads the configured probes now: gauges per reading, a warning for a queue not seen, exit 1 when one cannot read', async () => {
    // A task no worker takes: its age grows from one reading to the next (the probe is opened once).
    const client = new Redis(redis.url);
    await client.lpush('stuck', JSON.stringify({ headers: { id: 'task-stuck-1' }, body: '' }));
    await client.quit();
    const config = {
      redis: { url: redis.url },
      probes: {
        intervalMs: 400,
        timeoutMs: 400,
        list: [
          { kind: 'celery-redis', id: 'ing', queue: 'ingestion' },
          { kind: 'celery-redis', id: 'typo', queue: 'ingest' },
          { kind: 'celery-redis', id: 'stuck', queue: 'stuck' },
        ],
      },
    };
    await writeFile(join(dir, 'probe.json'), JSON.stringify(config));
    const r = await runCli(['probe', '-c', join(dir, 'probe.json'), '--count', '3'], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/ ing \(celery-redis\) queue_depth\{queue=ingestion\} \d+/g)).toHaveLength(3);
    expect(r.stderr.match(/ ing \(celery-redis\) queue_oldest_age_seconds\{queue=ingestion\} /g)).toHaveLength(3);
    const ages = [...r.stderr.matchAll(/ stuck \(celery-redis\) queue_oldest_age_seconds\{queue=stuck\} ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ages).toHaveLength(3);
    expect(ages[0]).toBe(0);
    // Two intervals of 400 ms later (at least; never an exact latency).
    expect(ages[2]).toBeGreaterThanOrEqual(0.79);
    expect(ages[2]).toBeGreaterThan(ages[1]!);
    expect(r.stderr).toContain('typo (celery-redis) warning: queue "ingest" never existed on the broker yet');
    await writeFile(
      join(dir, 'probe-down.json'),
      JSON.stringify({ probes: { list: [{ kind: 'celery-redis', id: 'down', url: `redis://127.0.0.1:${await freePort()}`, queue: 'q' }] } }),
    );
    const down = await runCli(['probe', '-c', join(dir, 'probe-down.json')], 30_000);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/down \(celery-redis\) error: /);
  }, 60_000);
});
