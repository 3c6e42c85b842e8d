import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { GateConfigInput } from '../evaluator/config.js';
import { ChaosgateError, InputError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { FAILED_REQUESTS_GUARD_ID, finishReport } from './finish.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** 100 requests of 20 ms over 10 s, `failed` of them failed (as k6 writes a refused connection: fast, failed). */
function report(gates: GateConfigInput[], failed: number) {
  const ev = createEvaluation({ bucketWidth: '1s', threads: 1 }, gates);
  for (let i = 0; i < 100; i++) {
    const time = T0 + i * 100;
    ev.ingestSample({ metric: 'http_req_duration', time, value: 20, tags: { name: 'GET /' } });
    ev.ingestSample({ metric: 'http_req_failed', time, value: i < failed ? 1 : 0, tags: { name: 'GET /' } });
  }
  return ev.finish();
}

const latencyOnly: GateConfigInput[] = [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' }];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-finish-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('finishReport', () => {
  it('a passing report stays a pass: exit 0, one line per gate and the totals', async () => {
    const f = await finishReport(report(latencyOnly, 0));
    expect(f.report.verdict).toBe('pass');
    expect(f.exitCode).toBe(ExitCode.pass);
    expect(f.error).toBeNull();
    expect(f.lines).toEqual(['PASS p95: http_req_duration: p(95)<500 holds (observed 20, limit 500)', '200 samples, 2 series, 0 malformed, 1 of 1 thread; verdict pass']);
    // The sentence is the gate's message in the model, built once.
    expect(f.report.gates[0]!.message).toBe('http_req_duration: p(95)<500 holds (observed 20, limit 500)');
  });

  it('an interrupted run is never a pass: verdict fail, partial, exit 130, in every writer', async () => {
    const md = join(dir, 'interrupted.md');
    const junit = join(dir, 'interrupted.xml');
    const json = join(dir, 'interrupted.json');
    const f = await finishReport(report(latencyOnly, 0), {
      happened: { interrupted: true },
      reports: [
        { format: 'markdown', path: md },
        { format: 'junit', path: junit },
        { format: 'json', path: json },
      ],
    });
    expect(f.exitCode).toBe(ExitCode.interrupted);
    expect(f.exitCode).toBe(130);
    expect(f.report.verdict).toBe('fail');
    expect(f.report.partial).toBe(true);
    expect(f.report.abort?.reason).toBe('interrupted (SIGINT/SIGTERM)');
    expect(f.lines.at(-1)).toBe('200 samples, 2 series, 0 malformed, 1 of 1 thread; verdict fail (partial)');
    expect(JSON.parse(await readFile(json, 'utf8')).verdict).toBe('fail');
    expect(await readFile(junit, 'utf8')).toContain('<property name="chaosgate.verdict" value="fail"/>');
    const summary = await readFile(md, 'utf8');
    expect(summary).not.toMatch(/PASS/);
    expect(summary).toMatch(/FAIL/);
    expect(summary).toMatch(/; evaluated on 1 of 1 allowed thread\(s\)\.\n$/);
  });

  it('an incomplete run: verdict fail, exit 1, the reasons on the console; a failed run: its error', async () => {
    const f = await finishReport(report(latencyOnly, 0), { happened: { incomplete: ['k6 ended after 2.1 s, shorter than its planned 20 s'] } });
    expect([f.report.verdict, f.report.partial, f.exitCode]).toEqual(['fail', true, ExitCode.internal]);
    expect(f.report.abort?.reason).toBe('the run did not happen as planned: k6 ended after 2.1 s, shorter than its planned 20 s');
    expect(f.lines).toContain('INCOMPLETE k6 ended after 2.1 s, shorter than its planned 20 s');

    const failed = await finishReport(report(latencyOnly, 0), { happened: { failure: new Error('boom') }, reportsIn: '/tmp/x' });
    expect(failed.report.verdict).toBe('fail');
    expect(failed.error).toBeInstanceOf(ChaosgateError);
    expect(failed.error!.message).toBe('run failed: boom; partial reports in /tmp/x');
    expect(failed.exitCode).toBe(ExitCode.internal);
  });

  it('a report already partial (a stopped shard merged) is never a pass: incomplete, exit 1', async () => {
    const ev = createEvaluation({ bucketWidth: '1s' }, latencyOnly);
    ev.ingestSample({ metric: 'http_req_duration', time: T0, value: 20, tags: {} });
    ev.abort('abort gate breached: errors (…)', T0 + 1);
    const f = await finishReport(ev.finish());
    expect([f.report.verdict, f.report.partial, f.exitCode]).toEqual(['fail', true, ExitCode.internal]);
    expect(f.lines).toContain('INCOMPLETE the report is partial: abort gate breached: errors (…)');
    // The run that stopped itself on that abort gate says so: a fail (99), not incomplete.
    const ev2 = createEvaluation({ bucketWidth: '1s' }, latencyOnly);
    ev2.ingestSample({ metric: 'http_req_duration', time: T0, value: 20, tags: {} });
    ev2.abort('abort gate breached: errors (…)', T0 + 1);
    const stopped = await finishReport(ev2.finish(), { happened: { stopped: 'abort gate breached: errors (…)' } });
    expect([stopped.report.verdict, stopped.report.partial, stopped.exitCode]).toEqual(['fail', true, ExitCode.gateFailed]);
    expect(stopped.lines.some((l) => l.startsWith('INCOMPLETE'))).toBe(false);
  });

  it('all requests failed, gated on latency alone: the failed-requests guard fails the run (exit 99)', async () => {
    const f = await finishReport(report(latencyOnly, 100));
    expect(f.report.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['p95', 'pass'],
      [FAILED_REQUESTS_GUARD_ID, 'fail'],
    ]);
    expect(f.report.verdict).toBe('fail');
    expect(f.exitCode).toBe(ExitCode.gateFailed);
    expect(f.lines).toContain(`FAIL ${FAILED_REQUESTS_GUARD_ID}: chaosgate_error_rate: rate<0.5 breached (observed 100 %, limit 50 %)`);
    // Half failed is enough; fewer is the gates' business.
    expect((await finishReport(report(latencyOnly, 50))).exitCode).toBe(ExitCode.gateFailed);
    expect((await finishReport(report(latencyOnly, 49))).exitCode).toBe(ExitCode.pass);
  });

  it('the guard stays out when a fail-level gate judges the error rate, or when nothing is judged', async () => {
    const lenient = await finishReport(report([...latencyOnly, { metric: 'http_req_failed{name:GET /}', expression: 'rate<=1' }], 100));
    expect(lenient.report.gates.map((g) => g.id)).not.toContain(FAILED_REQUESTS_GUARD_ID);
    expect(lenient.exitCode).toBe(ExitCode.pass);
    // A warn-level error gate does not stand in for it.
    const warnOnly = await finishReport(report([...latencyOnly, { metric: 'chaosgate_error_rate', expression: 'rate<0.9', severity: 'warn' }], 100));
    expect(warnOnly.report.gates.map((g) => g.id)).toContain(FAILED_REQUESTS_GUARD_ID);
    const none = await finishReport(report([], 100));
    expect(none.report.gates).toEqual([]);
  });

  it('untrusted input: exit 3 with the places of the malformed lines', async () => {
    const ev = createEvaluation({ malformedTolerance: 0 }, latencyOnly);
    ev.ingestSample({ metric: 'http_req_duration', time: T0, value: 1, tags: {} });
    ev.ingestText('{"type":"Point","data":{"time":"x"\n', 0, 34, 'k6.ndjson', 7);
    const f = await finishReport(ev.finish());
    expect(f.error).toBeInstanceOf(InputError);
    expect(f.exitCode).toBe(ExitCode.unreadableInput);
    expect(f.error!.message).toMatch(/input not trusted: 1 of \d+ sample lines malformed/);
  });
});
