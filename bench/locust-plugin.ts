// The cost of chaosgate's Locust plugin (`node bench/run.mjs locust-plugin`): the same locustfile
// against the same loopback service, Locust alone and Locust with the plugin writing every request
// as k6-format samples, rounds alternated so the machine's noise spreads over both arms. Per arm:
// requests per second (closed loop, no wait) and Locust's CPU time per request (user + system, from
// its test's start to its stop: a small meter module loaded in both arms); the plugin's overhead is the difference in CPU per request. Each plugin round
// also checks that it wrote exactly as many http_reqs samples as Locust counted.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LOCUST_PLUGIN, LOCUST_OUT_ENV, locustPython } from '../load/locust-runner.js';
import { freePort } from '../lib/net.js';
import { waitForPort } from '../lib/local-servers.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const users = Number(process.env.BENCH_USERS ?? 8);

/** The repository's plugin: this bundle runs from a temp dir (bench/run.mjs names the repository's dist/cli.mjs). */
const plugin = process.env.CHAOSGATE_BENCH_CLI ? join(resolve(dirname(process.env.CHAOSGATE_BENCH_CLI), '..'), 'load', 'locust', 'chaosgate_locust.py') : LOCUST_PLUGIN;

const LOCUSTFILE = `
import os
from locust import HttpUser, task, constant

class Bench(HttpUser):
    host = os.environ["BENCH_URL"]
    wait_time = constant(0)

    @task
    def page(self):
        self.client.get("/page")
`;

// Loaded in both arms: Locust's CPU time from its test's start to its stop (no Python start-up,
// no imports), and its request count over the same span.
const METER = `
import json, os, resource, time
from locust import events

_start = {}

def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

@events.test_start.add_listener
def _on_start(environment, **_):
    _start["cpu"], _start["t"], _start["n"] = _cpu(), time.time(), environment.stats.total.num_requests

@events.test_stop.add_listener
def _on_stop(environment, **_):
    n = environment.stats.total.num_requests - _start["n"]
    with open(os.environ["BENCH_METER"], "w") as f:
        json.dump({"cpu": _cpu() - _start["cpu"], "seconds": time.time() - _start["t"], "requests": n}, f)
`;

// The plugin's request handler alone, without Locust's HTTP: best of 5 runs of N calls, output to /dev/null.
const HANDLER = `
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("chaosgate_locust", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
m._out = open("/dev/null", "w", buffering=1 << 16)
class R:
    status_code = 200
r, n, t0, best = R(), int(sys.argv[2]), time.time(), None
for rep in range(5):
    s = time.perf_counter()
    for i in range(n):
        m._on_request("GET", "/page", 1.234567, 3, r, {}, None, t0 + i * 1e-4, "http://127.0.0.1:1/page")
    d = (time.perf_counter() - s) / n * 1e6
    best = d if best is None else min(best, d)
m._out = None
print("%.2f" % best)
`;

const SERVER = `require('node:http').createServer((q, s) => { q.resume(); s.end('ok\\n'); }).listen(Number(process.argv[1]), '127.0.0.1');`;

interface Round {
  arm: 'plain' | 'plugin';
  requests: number;
  rps: number;
  cpuUsPerRequest: number;
  samples: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function round(dir: string, url: string, arm: Round['arm'], i: number): Promise<Round> {
  const stats = join(dir, `stats-${i}`);
  const out = join(dir, `samples-${i}.ndjson`);
  const meter = join(dir, `meter-${i}.json`);
  const base = `${join(dir, 'locustfile.py')},${join(dir, 'meter.py')}`;
  const files = arm === 'plugin' ? `${base},${plugin}` : base;
  const args = [locustPython(), '-m', 'locust', '-f', files, '--headless', '--only-summary', '-u', String(users), '-r', String(users)];
  args.push('-t', `${seconds}s`, '--exit-code-on-error', '0', '--json-file', stats);
  const env = { ...process.env, BENCH_URL: url, BENCH_METER: meter, ...(arm === 'plugin' ? { [LOCUST_OUT_ENV]: out } : {}) };
  const [python, ...pyArgs] = args as [string, ...string[]];
  await new Promise<string>((resolve, reject) => {
    execFile(python, pyArgs, { env, cwd: dir, timeout: (seconds + 60) * 1000, maxBuffer: 64 * 1024 * 1024 }, (err, _o, e) =>
      err ? reject(new Error(`${err.message}\n${e}`)) : resolve(e),
    );
  });
  const m = JSON.parse(await readFile(meter, 'utf8')) as { cpu: number; seconds: number; requests: number };
  const entries = JSON.parse(await readFile(`${stats}.json`, 'utf8')) as Array<{ num_requests: number }>;
  const requests = entries.reduce((n, e) => n + e.num_requests, 0);
  let samples: number | null = null;
  if (arm === 'plugin') {
    samples = (await readFile(out, 'utf8')).split('\n').filter((l) => l.startsWith('{"metric":"http_reqs"')).length;
    await rm(out);
  }
  return { arm, requests, rps: m.requests / m.seconds, cpuUsPerRequest: (m.cpu * 1e6) / m.requests, samples };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-bench-locust-'));
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', SERVER, String(port)], { stdio: 'ignore' });
  try {
    await waitForPort('127.0.0.1', port, 10_000);
    await writeFile(join(dir, 'locustfile.py'), LOCUSTFILE);
    await writeFile(join(dir, 'meter.py'), METER);
    const url = `http://127.0.0.1:${port}`;
    console.log(`Locust plugin overhead: ${rounds} rounds per arm, alternated; ${users} users, no wait, ${seconds} s per round, against ${url}`);
    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const arm of (i % 2 === 0 ? ['plain', 'plugin'] : ['plugin', 'plain']) as Array<Round['arm']>) {
        const r = await round(dir, url, arm, results.length);
        if (r.samples !== null && r.samples !== r.requests) throw new Error(`round ${i + 1}: the plugin wrote ${r.samples} http_reqs samples, Locust counted ${r.requests}`);
        results.push(r);
        console.log(
          `  round ${i + 1} ${arm.padEnd(6)} ${r.requests} requests, ${r.rps.toFixed(0)} req/s, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request${r.samples !== null ? `, ${r.samples} samples` : ''}`,
        );
      }
    }
    const of = (arm: Round['arm']) => results.filter((r) => r.arm === arm);
    const rps = { plain: median(of('plain').map((r) => r.rps)), plugin: median(of('plugin').map((r) => r.rps)) };
    const cpu = { plain: median(of('plain').map((r) => r.cpuUsPerRequest)), plugin: median(of('plugin').map((r) => r.cpuUsPerRequest)) };
    // The least disturbed round of each arm too: on a shared machine the medians carry others' load.
    const best = (arm: Round['arm']) => Math.min(...of(arm).map((r) => r.cpuUsPerRequest));
    console.log('\n| arm | req/s (median) | CPU µs/request (median) | CPU µs/request (best round) |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(`| Locust alone | ${rps.plain.toFixed(0)} | ${cpu.plain.toFixed(1)} | ${best('plain').toFixed(1)} |`);
    console.log(`| Locust + chaosgate plugin | ${rps.plugin.toFixed(0)} | ${cpu.plugin.toFixed(1)} | ${best('plugin').toFixed(1)} |`);
    const handlerUs = await new Promise<number>((resolveUs, reject) =>
      execFile(locustPython(), ['-c', HANDLER, plugin, '100000'], { timeout: 120_000 }, (err, out) => (err ? reject(err) : resolveUs(Number(out.trim().split('\n').pop())))),
    );
    console.log(`| the plugin's request handler alone (best of 5 × 100 000 calls) | | | ${handlerUs.toFixed(1)} |`);
    // Each round's two arms ran back to back: their difference is the paired estimate (less of the machine's drift).
    const pairs = Array.from(
      { length: rounds },
      (_, i) => results[2 * i + (results[2 * i]!.arm === 'plugin' ? 0 : 1)]!.cpuUsPerRequest - results[2 * i + (results[2 * i]!.arm === 'plugin' ? 1 : 0)]!.cpuUsPerRequest,
    );
    console.log(`\npaired (plugin − alone, per round): ${pairs.map((d) => d.toFixed(0)).join(', ')} µs; median ${median(pairs).toFixed(1)} µs`);
    console.log(
      `plugin overhead: ${(cpu.plugin - cpu.plain).toFixed(1)} µs CPU per request (${((cpu.plugin / cpu.plain - 1) * 100).toFixed(1)} %); throughput ${((rps.plugin / rps.plain) * 100).toFixed(1)} % of Locust alone`,
    );
  } finally {
    server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
