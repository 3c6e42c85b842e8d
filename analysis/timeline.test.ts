import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../lib/errors.js';
import { runBounded } from '../test/support/bounded.js';
import type { PhaseEvent } from '../evaluator/phases.js';
import { readTimelineEvents, RunTimeline } from './timeline.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'chaosgate-timeline-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1, 12);
const chaos = (faultId: string, action: 'on' | 'off', epochMs: number) => ({
  time: new Date(epochMs).toISOString(),
  epochMs,
  faultId,
  kind: 'http-latency',
  target: 'web',
  action,
  params: {},
});

describe('RunTimeline', () => {
  it('a replay of the events file gives the labels and fault windows the live run had', async () => {
    const path = join(dir, 'events.jsonl');
    const live: PhaseEvent[] = [];
    const t = new RunTimeline((e) => live.push(e), path);
    for (const e of [chaos('a', 'on', T0 + 1000), chaos('a', 'off', T0 + 3000)]) {
      await writeFile(path, `${JSON.stringify(e)}\n`, { flag: 'a' }); // what the chaos session's EventLog does
      t.chaos(e);
    }
    // Where the script reached each service: read back for the replay's `service` tag, no phase of its own.
    const web = { service: 'web', envName: 'CHAOSGATE_URL_WEB', value: 'http://127.0.0.1:41234', urls: ['http://127.0.0.1:41234', 'http://127.0.0.1:8000'], proxied: true };
    t.services(T0, [web]);
    // The width `auto` picked: read back for the replay's buckets, no phase of its own.
    t.bucketWidth(T0, 1000, 'auto: 1 s, picked by the run');
    t.phase(T0 + 5000, 'spike');
    const replayed: PhaseEvent[] = [];
    const r = new RunTimeline((e) => replayed.push(e));
    const events = await readTimelineEvents(path);
    r.replay(events);
    expect(replayed).toEqual(live);
    expect(events.filter((e) => 'service' in e)).toEqual([{ time: new Date(T0).toISOString(), epochMs: T0, ...web }]);
    expect(events.filter((e) => 'bucketWidthMs' in e)).toEqual([
      { time: new Date(T0).toISOString(), epochMs: T0, bucketWidthMs: 1000, bucketWidthPicked: 'auto: 1 s, picked by the run' },
    ]);
    expect(r.faults()).toEqual(t.faults());
    expect(t.faults({ a: 7 })).toEqual([{ id: 'a', kind: 'http-latency', target: 'web', on: T0 + 1000, off: T0 + 3000, injections: 7 }]);
    expect((await readFile(path, 'utf8')).trim().split('\n').at(-1)).toBe(JSON.stringify({ time: new Date(T0 + 5000).toISOString(), epochMs: T0 + 5000, phase: 'spike' }));
  });

  it("an earlier run's leftover undone at start (an off with no on) is not part of the timeline", () => {
    const labels: PhaseEvent[] = [];
    const t = new RunTimeline((e) => labels.push(e));
    expect(t.chaos(chaos('old-pause', 'off', T0))).toBe(false);
    expect(labels).toEqual([]);
    expect(t.hasFaults).toBe(false);
  });

  it('a malformed events file is unreadable input naming file:line', async () => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, `${JSON.stringify(chaos('a', 'on', T0))}\n\n{"epochMs": 1, "faultId": "a"}\n`);
    await expect(readTimelineEvents(path)).rejects.toThrow(InputError);
    await expect(readTimelineEvents(path)).rejects.toThrow(`${path}:3: not a chaos event`);
    await writeFile(path, 'nope\n');
    await expect(readTimelineEvents(path)).rejects.toThrow(`${path}:1: not JSON`);
    await expect(readTimelineEvents(join(dir, 'missing.jsonl'))).rejects.toThrow(/events file .*missing\.jsonl: ENOENT/);
  });
});

describe('analyseRun ends whatever the event times', () => {
  it('a fault long before the samples (a crafted events file) does not loop for ages in the recovery search', async () => {
    const src = `
      import { parentPort } from 'node:worker_threads';
      import { createEvaluation } from './evaluator/evaluation.ts';
      import { analyseRun, RunTimeline } from './analysis/timeline.ts';
      import { configSchema } from './config/schema.ts';
      const T0 = ${T0};
      const ev = createEvaluation({ bucketWidth: '1s' }, [], { phaseLabels: true });
      const timeline = new RunTimeline((e) => ev.addPhaseEvent(e));
      const ancient = { kind: 'http-latency', target: 'web' };
      timeline.chaos({ ...ancient, faultId: 'old', action: 'on', epochMs: -1e20 });
      timeline.chaos({ ...ancient, faultId: 'old', action: 'off', epochMs: -1e20 + 1 });
      timeline.phase(T0, 'baseline');
      for (let i = 0; i < 100; i++) {
        ev.ingestSample({ metric: 'http_req_duration', time: T0 + i * 100, value: 10, tags: { expected_response: 'true' } });
        ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
        ev.ingestSample({ metric: 'http_reqs', time: T0 + i * 100, value: 1, tags: {} });
      }
      const report = ev.finish();
      const analysis = analyseRun(report, { profile: 'x', faults: timeline.faults(), settings: configSchema.parse({}).run });
      parentPort.postMessage(analysis.recovery.map((r) => r.status));
    `;
    const r = await runBounded<string[]>('recovery-far-fault', src, 15_000);
    expect(r.timedOut).toBe(false);
    if (!r.timedOut) expect(r.value).toHaveLength(1);
  });
});
