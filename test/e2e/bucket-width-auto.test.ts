// `evaluate.bucketWidth` left unset (`auto`): a real `chaosgate run --script` (real k6, a loopback
// HTTP service, a latency fault through the proxy) picks the width that fits its planned length and
// its fault, records it in chaos-events.jsonl, and `evaluate --events` of the run's samples buckets
// the same way: the same report figures. An events file without the record replays at 10 s.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../model/report.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;

const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '6s', gracefulStop: '2s', preAllocatedVUs: 4, maxVUs: 20 } },
};
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-bucket-auto-'));
  await writeFile(join(dir, 'test.js'), SCRIPT);
  server = await startLoopbackHttp((_req, res) => setTimeout(() => res.end('ok'), 5));
  await writeFile(
    join(dir, 'chaosgate.config.json'),
    JSON.stringify({
      load: { baseUrl: server.url },
      run: { recovery: { window: '1s' } },
      chaos: {
        journal: join(dir, 'journal.json'),
        proxy: { routes: [{ name: 'stack', upstream: `127.0.0.1:${server.port}` }] },
        plan: [{ id: 'slow', kind: 'http-latency', target: 'stack', at: '2s', duration: '2s', params: { fixedMs: 150 } }],
      },
      gates: [
        { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<5000' },
        { id: 'p95-window', metric: 'http_req_duration', expression: 'p(95)<5000', window: '2s' },
      ],
    }),
  );
  bundle = await bundleCli('bucket-width-auto');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const figures = (r: ReportModel) => ({
  config: { bucketWidthMs: r.config.bucketWidthMs, bucketWidthPicked: r.config.bucketWidthPicked },
  gates: r.gates.map((g) => [g.id, g.verdict, g.observed]),
  phases: r.phases,
  points: r.totals.points,
  series: r.series.map((s) => [s.metric, s.tags, s.count, s.buckets]),
  recovery: (r.analysis as { recovery?: unknown } | undefined)?.recovery,
});

describe('bucketWidth auto', () => {
  it('the run picks a width that fits, records it, and evaluate --events replays with it', async () => {
    const outDir = join(dir, 'run');
    const ran = await runCli(bundle.cli, ['run', '--script', join(dir, 'test.js'), '-c', join(dir, 'chaosgate.config.json'), '--out-dir', outDir], { cwd: dir, timeoutMs: 90_000 });
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    // 6 s of load + 2 s graceful stop, a 2 s fault: 1 s buckets (10 s before `auto`).
    expect(report.config.bucketWidthMs).toBe(1000);
    expect(report.config.bucketWidthPicked).toMatch(
      /^auto: 1 s, picked by the run \(at least 60 buckets over the planned \d+ s \(k6 inspect\); no wider than the shortest fault slow \(2 s\)/,
    );
    const eventsText = await readFile(join(outDir, 'chaos-events.jsonl'), 'utf8');
    expect(eventsText).toContain('"bucketWidthMs":1000');

    const replay = async (events: string, name: string) => {
      const out = join(dir, `${name}.json`);
      const r = await runCli(bundle.cli, ['evaluate', '-c', join(dir, 'chaosgate.config.json'), join(outDir, 'k6.ndjson.gz'), '--events', events, '--report', `json=${out}`], {
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(await readFile(out, 'utf8')) as ReportModel;
    };
    const replayed = await replay(join(outDir, 'chaos-events.jsonl'), 'replayed');
    const ranFigures = figures(report);
    expect(ranFigures.recovery).toHaveLength(1);
    // 1 s buckets over ~7 s of samples, split across the phases' series.
    const starts = new Set(report.series.filter((x) => x.metric === 'http_req_duration').flatMap((x) => x.buckets.items.map((b) => b.start)));
    expect(starts.size).toBeGreaterThanOrEqual(6);
    expect(figures(replayed)).toEqual(ranFigures);
    expect(replayed.phases.map((p) => p.name)).toEqual(['baseline', 'fault:slow', 'recovery']);

    // An events file of an older run (no record): replayed as before `auto`, at 10 s, and it says so.
    const older = join(dir, 'older-events.jsonl');
    await writeFile(
      older,
      eventsText
        .split('\n')
        .filter((l) => !l.includes('bucketWidthMs'))
        .join('\n'),
    );
    const old = await replay(older, 'older');
    expect(old.config.bucketWidthMs).toBe(10_000);
    expect(old.config.bucketWidthPicked).toMatch(/^auto, with no run record of a picked width/);
    expect(old.totals.points).toBe(report.totals.points);
  }, 120_000);
});
