// The overhead benchmark of the chaos proxy (`npm run bench:proxy`). In one run, against the
// reference target: direct, through our proxy with no fault on, and through Toxiproxy's
// pass-through. Max RPS with wrk (closed loop, keep-alive, bounded duration), then added p50/p99
// at a fixed moderate rate (open loop, latency from each request's intended start). Rounds are
// interleaved so the machine's noise spreads over all three; ratios are the figures that matter.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChaosSession } from '../chaos/index.js';
import { chaosSectionSchema } from '../chaos/config.js';
import { startRedis, waitForPort } from '../lib/local-servers.js';
import { startTarget } from '../target/server.js';
import { freePort } from '../lib/net.js';
import { requireTool } from '../lib/tools.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const fixedRate = Number(process.env.BENCH_RATE ?? 200);
const path = '/';
/** This very file, bundled: started again as the target's and the proxy's own process. */
const self = process.argv[1]!;
const children: ChildProcess[] = [];

function startChild(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

/** Max RPS and the number of requests of one wrk run; any error response or socket error fails. */
function wrk(url: string): Promise<{ rps: number; requests: number }> {
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(new Error(`wrk ${url}: ${err.message}`));
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const requests = /(\d+) requests in/.exec(stdout);
      const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(stdout);
      if (!rps || !requests) return reject(new Error(`wrk ${url}: no Requests/sec in\n${stdout}`));
      if (errors) return reject(new Error(`wrk ${url}: errors during the run: ${errors[0]}`));
      resolve({ rps: Number(rps[1]), requests: Number(requests[1]) });
    });
  });
}

/** CPU time a process has used so far, in µs (user + system, from /proc; Linux clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Open loop at `rate` req/s per URL for `seconds`, the URLs paired: each tick sends one request to
 * every URL (in rotating order), so the machine's noise at that moment hits all of them alike.
 * Latency counts from the intended start, so a stall is not hidden.
 */
async function pairedLatencies(urls: string[], rate: number): Promise<number[][]> {
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 64 }));
  const ticks = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now() + 50;
  const latencies: number[][] = urls.map(() => []);
  let failures = 0;
  await new Promise<void>((done) => {
    let sent = 0;
    let finished = 0;
    const total = ticks * urls.length;
    const settle = () => {
      if (++finished === total) done();
    };
    const tick = () => {
      const now = performance.now();
      while (sent < ticks && start + sent * interval <= now) {
        const intended = start + sent * interval;
        for (let k = 0; k < urls.length; k++) {
          const i = (sent + k) % urls.length;
          const req = request(urls[i]!, { agent: agents[i] }, (res) => {
            res.resume();
            res.on('end', () => {
              latencies[i]!.push(performance.now() - intended);
              settle();
            });
          });
          req.setTimeout(5000, () => req.destroy());
          req.on('error', () => {
            failures++;
            settle();
          });
          req.end();
        }
        sent++;
      }
      if (sent < ticks) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  for (const agent of agents) agent.destroy();
  if (failures > 0) throw new Error(`${failures} of ${ticks * urls.length} requests failed at ${rate} req/s`);
  return latencies;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const median = (values: number[]) => quantile(values, 0.5);

/** Child mode: one server in its own process (as in a real run), until SIGTERM. */
async function serve(role: string, arg: string): Promise<void> {
  const spec = JSON.parse(arg) as { port: number; redisUrl: string; upstreamPort: number; dir: string };
  let stop: () => Promise<void>;
  if (role === '--serve-target') {
    const target = await startTarget({ port: spec.port, webLatencyMs: 0, redisUrl: spec.redisUrl });
    stop = () => target.stop();
  } else {
    const section = chaosSectionSchema.parse({
      journal: join(spec.dir, 'journal.json'),
      events: join(spec.dir, 'events.jsonl'),
      proxy: { routes: [{ name: 'web', listen: `127.0.0.1:${spec.port}`, upstream: `127.0.0.1:${spec.upstreamPort}` }] },
    });
    const session = await openChaosSession(section, { redisUrl: spec.redisUrl });
    await session.startProxy();
    stop = () => session.close();
  }
  process.once('SIGTERM', () => void stop());
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-bench-'));
  const redis = await startRedis();
  try {
    const targetPort = await freePort();
    const proxyPort = await freePort();
    const spec = (port: number) => JSON.stringify({ port, redisUrl: redis.url, upstreamPort: targetPort, dir });
    const target = startChild('node', [self, '--serve-target', spec(targetPort)]);
    await waitForPort('127.0.0.1', targetPort, 20_000);
    const chaosProxy = startChild('node', [self, '--serve-proxy', spec(proxyPort)]);
    await waitForPort('127.0.0.1', proxyPort, 20_000);

    const toxiApi = await freePort();
    const toxiPort = await freePort();
    const toxiproxy = startChild(requireTool('toxiproxy'), ['-host', '127.0.0.1', '-port', String(toxiApi)]);
    await waitForPort('127.0.0.1', toxiApi, 20_000);
    const created = await fetch(`http://127.0.0.1:${toxiApi}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'web', listen: `127.0.0.1:${toxiPort}`, upstream: `127.0.0.1:${targetPort}` }),
    });
    if (!created.ok) throw new Error(`toxiproxy: cannot create the proxy: HTTP ${created.status}`);

    const targets = {
      direct: `http://127.0.0.1:${targetPort}${path}`,
      chaosgate: `http://127.0.0.1:${proxyPort}${path}`,
      toxiproxy: `http://127.0.0.1:${toxiPort}${path}`,
    };
    const names = Object.keys(targets) as (keyof typeof targets)[];
    process.stderr.write(`bench: ${rounds} rounds x ${seconds}s per target, wrk -c${connections}; fixed rate ${fixedRate} req/s per path\n`);
    for (const name of names) await wrk(targets[name]); // warm-up: JIT, connections

    const proxyPid: Record<string, number | undefined> = { direct: undefined, chaosgate: chaosProxy.pid, toxiproxy: toxiproxy.pid };
    const rps: Record<string, number[]> = { direct: [], chaosgate: [], toxiproxy: [] };
    // CPU per request of the target and of the proxy in front of it: less swayed by other tenants than RPS.
    const cpuTarget: Record<string, number[]> = { direct: [], chaosgate: [], toxiproxy: [] };
    const cpuProxy: Record<string, number[]> = { direct: [], chaosgate: [], toxiproxy: [] };
    const lat: Record<string, number[]> = { direct: [], chaosgate: [], toxiproxy: [] };
    for (let r = 0; r < rounds; r++) {
      // Rotating order, so no path always runs right after another.
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length]!;
        const pid = proxyPid[name];
        const before = { target: cpuMicros(target.pid!), proxy: pid ? cpuMicros(pid) : 0 };
        const run = await wrk(targets[name]);
        rps[name]!.push(run.rps);
        cpuTarget[name]!.push((cpuMicros(target.pid!) - before.target) / run.requests);
        cpuProxy[name]!.push(pid ? (cpuMicros(pid) - before.proxy) / run.requests : 0);
      }
      const paired = await pairedLatencies(
        names.map((n) => targets[n]),
        fixedRate,
      );
      names.forEach((name, i) => lat[name]!.push(...paired[i]!));
      process.stderr.write(`bench: round ${r + 1}/${rounds} done\n`);
    }

    const direct = { rps: median(rps.direct!), p50: quantile(lat.direct!, 0.5), p99: quantile(lat.direct!, 0.99) };
    const rows = names.map((name) => {
      const m = { rps: median(rps[name]!), p50: quantile(lat[name]!, 0.5), p99: quantile(lat[name]!, 0.99) };
      // The ratio is taken within each round (same machine load), then the median over rounds.
      const ratio = median(rps[name]!.map((v, i) => v / rps.direct![i]!));
      return { name, ...m, ratio, addedP50: m.p50 - direct.p50, addedP99: m.p99 - direct.p99 };
    });
    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(
      `proxy overhead vs the reference target (GET ${path}; ${rounds} rounds; wrk -t1 -c${connections} -d${seconds}s; ${fixedRate} req/s per path open loop, paired, ${lat.direct!.length} requests each)`,
    );
    console.log('| path | max RPS (median) | of direct (median per round) | p50 ms | p99 ms | added p50 ms | added p99 ms |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      console.log(
        `| ${row.name} | ${f(row.rps)} | ${f(row.ratio * 100, 1)} % | ${f(row.p50, 2)} | ${f(row.p99, 2)} | ${row.name === 'direct' ? '-' : f(row.addedP50, 2)} | ${row.name === 'direct' ? '-' : f(row.addedP99, 2)} |`,
      );
    }
    const ours = rows.find((r) => r.name === 'chaosgate')!;
    const toxi = rows.find((r) => r.name === 'toxiproxy')!;
    console.log(
      `targets: >= 90 % of direct: ${ours.ratio >= 0.9 ? 'met' : 'MISSED'} (${f(ours.ratio * 100, 1)} %); ` +
        `<= 1 ms added p99: ${ours.addedP99 <= 1 ? 'met' : 'MISSED'} (${f(ours.addedP99, 2)} ms); ` +
        `ahead of Toxiproxy: ${ours.rps >= toxi.rps && ours.addedP99 <= toxi.addedP99 ? 'yes' : 'no'} (RPS ${f(ours.rps / toxi.rps, 2)}x, added p99 ${f(ours.addedP99, 2)} vs ${f(toxi.addedP99, 2)} ms)`,
    );
    console.log(
      `CPU per request (median over rounds, µs): ${names
        .map((n) => `${n}: target ${f(median(cpuTarget[n]!), 1)}${n === 'direct' ? '' : ` + proxy ${f(median(cpuProxy[n]!), 1)}`}`)
        .join('; ')}`,
    );
    console.log('per-round max RPS:', JSON.stringify(Object.fromEntries(names.map((n) => [n, rps[n]!.map((v) => Math.round(v))]))));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
(role?.startsWith('--serve-') ? serve(role, process.argv[3]!) : main()).catch((err: Error) => {
  process.stderr.write(`bench:proxy: ${err.message}\n`);
  process.exitCode = 1;
});
