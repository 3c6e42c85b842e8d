// The cost of chaosgate's Locust plugin (`node bench/run.mjs locust-plugin`): the same locustfile
// against the same loopback service, Locust alone and Locust with the plugin writing every request
// as k6-format samples, rounds alternated so the machine's noise spreads over both arms. Each round
// is a fixed number of requests (closed loop, no wait; the locustfile quits Locust after the last),
// and the measure is CPU, not throughput: the Locust process's user + system time (getrusage, from
// its test's start to its stop: a small meter module loaded in both arms) divided by Locust's own
// request count. Printed per arm: median, quartiles and range of CPU µs per request, their ratio,
// and the per-round paired ratio. Each round checks Locust counted exactly the fixed number; each
// plugin round also that it wrote exactly as many http_reqs samples.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LOCUST_PLUGIN, LOCUST_OUT_ENV, locustPython } from '../load/locust-runner.js';
import { freePort } from '../lib/net.js';
import { waitForPort } from '../lib/local-servers.js';

const requestsPerRound = Number(process.env.BENCH_REQUESTS ?? 3000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
/** A round that has not made its requests by then is a failed benchmark, not a figure. */
const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const users = Number(process.env.BENCH_USERS ?? 8);

/** The repository's plugin: this bundle runs from a temp dir (bench/run.mjs names the repository's dist/cli.mjs). */
const plugin = process.env.CHAOSGATE_BENCH_CLI ? join(resolve(dirname(process.env.CHAOSGATE_BENCH_CLI), '..'), 'load', 'locust', 'chaosgate_locust.py') : LOCUST_PLUGIN;

// Exactly BENCH_REQUESTS requests, then Locust quits (its test_stop fires): the same work in every round.
const LOCUSTFILE = `
import os
import gevent
from locust import HttpUser, task, constant

QUOTA = int(os.environ["BENCH_REQUESTS"])
_claimed = [0]
_finished = [0]

class Bench(HttpUser):
    host = os.environ["BENCH_URL"]
    wait_time = constant(0)

    @task
    def page(self):
        if _claimed[0] >= QUOTA:
            gevent.sleep(0.05)
            return
        _claimed[0] += 1
        self.client.get("/page")
        _finished[0] += 1
        if _finished[0] == QUOTA:
            gevent.spawn(self.environment.runner.quit)
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

interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
}

/** Median, quartiles (linear interpolation between order statistics) and range. */
function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => {
    const at = (s.length - 1) * p;
    const lo = Math.floor(at);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0]!, max: s[s.length - 1]! };
}

async function round(dir: string, url: string, arm: Round['arm'], i: number): Promise<Round> {
  const stats = join(dir, `stats-${i}`);
  const out = join(dir, `samples-${i}.ndjson`);
  const meter = join(dir, `meter-${i}.json`);
  const base = `${join(dir, 'locustfile.py')},${join(dir, 'meter.py')}`;
  const files = arm === 'plugin' ? `${base},${plugin}` : base;
  const args = [locustPython(), '-m', 'locust', '-f', files, '--headless', '--only-summary', '-u', String(users), '-r', String(users)];
  args.push('-t', `${seconds}s`, '--exit-code-on-error', '0', '--json-file', stats);
  const env = { ...process.env, BENCH_URL: url, BENCH_METER: meter, BENCH_REQUESTS: String(requestsPerRound), ...(arm === 'plugin' ? { [LOCUST_OUT_ENV]: out } : {}) };
  const [python, ...pyArgs] = args as [string, ...string[]];
  await new Promise<string>((resolve, reject) => {
    execFile(python, pyArgs, { env, cwd: dir, timeout: (seconds + 60) * 1000, maxBuffer: 64 * 1024 * 1024 }, (err, _o, e) =>
      err ? reject(new Error(`${err.message}\n${e}`)) : resolve(e),
    );
  });
  const m = JSON.parse(await readFile(meter, 'utf8')) as { cpu: number; seconds: number; requests: number };
  const entries = JSON.parse(await readFile(`${stats}.json`, 'utf8')) as Array<{ num_requests: number }>;
  const requests = entries.reduce((n, e) => n + e.num_requests, 0);
  if (requests !== requestsPerRound || m.requests !== requestsPerRound) {
    throw new Error(`round ${i + 1} (${arm}): Locust counted ${requests} requests (${m.requests} in its test), not the ${requestsPerRound} planned`);
  }
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
    console.log(`Locust plugin overhead: ${rounds} rounds per arm, alternated; ${users} users, no wait, ${requestsPerRound} requests per round, against ${url}`);
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
    const cpuOf = (arm: Round['arm']) => results.filter((r) => r.arm === arm).map((r) => r.cpuUsPerRequest);
    const plain = spread(cpuOf('plain'));
    const withPlugin = spread(cpuOf('plugin'));
    const row = (name: string, s: Spread) => `| ${name} | ${s.median.toFixed(1)} | ${s.q1.toFixed(1)}–${s.q3.toFixed(1)} | ${s.min.toFixed(1)}–${s.max.toFixed(1)} |`;
    console.log('\nLocust CPU (user + system) per request, µs:');
    console.log('| arm | median | quartiles | range |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(row('Locust alone', plain));
    console.log(row('Locust + chaosgate plugin', withPlugin));
    // Each round's two arms ran back to back: their ratio carries less of the machine's drift.
    const paired = Array.from({ length: rounds }, (_, i) => {
      const pair = results.slice(2 * i, 2 * i + 2);
      return pair.find((r) => r.arm === 'plugin')!.cpuUsPerRequest / pair.find((r) => r.arm === 'plain')!.cpuUsPerRequest;
    });
    const ratios = spread(paired);
    console.log(
      `\nratio plugin / alone: ${(withPlugin.median / plain.median).toFixed(3)} (medians; +${(withPlugin.median - plain.median).toFixed(1)} µs); per round, paired: median ${ratios.median.toFixed(3)}, quartiles ${ratios.q1.toFixed(3)}–${ratios.q3.toFixed(3)}, range ${ratios.min.toFixed(3)}–${ratios.max.toFixed(3)}`,
    );
    const handlerUs = await new Promise<number>((resolveUs, reject) =>
      execFile(locustPython(), ['-c', HANDLER, plugin, '100000'], { timeout: 120_000 }, (err, out) => (err ? reject(err) : resolveUs(Number(out.trim().split('\n').pop())))),
    );
    console.log(`the plugin's request handler alone (best of 5 × 100 000 calls): ${handlerUs.toFixed(1)} µs/request`);
  } finally {
    server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
