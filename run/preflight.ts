// Pre-flight, before any fault or k6 starts: each service's `ready` check (a URL answering 2xx/3xx,
// or a TCP port accepting, polled until its timeout) and each probe's first reading. A service not
// ready or a probe that cannot read fails the run in seconds with the reason (exit 1) instead of a
// run of errors; a Celery queue not seen yet is a warning (a producer may declare it later).
import { connect } from 'node:net';
import type { ChaosgateConfig } from '../config/index.js';
import { ChaosgateError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { validatedMs } from '../lib/duration.js';
import { readProbesOnce, type ProbeConfig } from '../probes/index.js';

const POLL_MS = 250;

function tcpOnce(hostPort: string, timeoutMs: number): Promise<string | null> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

async function httpOnce(url: string, anyAnswer: boolean, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel().catch(() => {});
    if (anyAnswer || (res.status >= 200 && res.status < 400)) return null;
    return `HTTP ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return cause ?? (err as Error).message;
  }
}

/** Waits for one service's ready check; resolves with the last problem when its timeout passed, null when ready. */
export async function waitReady(what: { url?: string; tcp?: string; anyAnswer: boolean }, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let problem: string | null = 'not checked';
  while (!signal?.aborted) {
    const left = Math.max(50, Math.min(2000, deadline - Date.now()));
    problem = what.url !== undefined ? await httpOnce(what.url, what.anyAnswer, left) : await tcpOnce(what.tcp!, left);
    if (problem === null || Date.now() + POLL_MS >= deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return problem;
}

/** Every check before the load; throws a ChaosgateError (exit 1) naming each failure. Returns the warnings. */
export async function preflight(config: ChaosgateConfig, probes: readonly ProbeConfig[], redisUrl: string, line: (text: string) => void, signal?: AbortSignal): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(
    Object.entries(config.services).map(async ([name, svc]) => {
      if (!svc.ready) return;
      const r = svc.ready;
      const target =
        r.url !== undefined ? { url: r.url, anyAnswer: false } : r.tcp !== undefined ? { tcp: r.tcp, anyAnswer: false } : { url: svc.url, tcp: svc.tcp, anyAnswer: true };
      const started = Date.now();
      const problem = await waitReady(target, validatedMs(r.timeout), signal);
      const shown = target.url ?? target.tcp;
      if (problem === null) line(`pre-flight: service ${name} ready (${shown}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      else failures.push(`services.${name}.ready: ${shown} not ready within ${r.timeout} (${problem})`);
    }),
  );
  const warnings: string[] = [];
  if (probes.length) {
    const readings = await readProbesOnce(probes, { redisUrl, timeoutMs: Math.max(config.probes.timeoutMs, 2000) });
    readings.forEach((r, i) => {
      const where = config.probes.list.length ? `probes.list[${i}] (${r.id})` : `probe ${r.id}`;
      if (r.error !== null) failures.push(`${where}: first reading failed: ${r.error}`);
      else line(`pre-flight: probe ${r.id} read ${r.samples.length} gauge(s)`);
      for (const f of r.findings) warnings.push(`pre-flight: probe ${r.id}: ${f.replace(' during the run', ' yet')}`);
    });
  }
  for (const w of warnings) line(w);
  if (failures.length) throw new ChaosgateError(`pre-flight failed before k6 started:\n${failures.map((f) => `  - ${f}`).join('\n')}`, ExitCode.internal);
  return warnings;
}
