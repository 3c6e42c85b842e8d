// k6's VU gauges across shards: the same load as 1 or 4 k6 instances gives the same vus/vus_max
// (the instances' values added up per time bucket) — in one evaluation of every shard's file and in
// the merge of the shards' states alike; other gauges are not added up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameReport } from '../test/support/report-compare.js';
import type { GateConfigInput } from './config.js';
import { evaluate } from './evaluate.js';
import type { ReportModel } from '../model/report.js';
import { finishMerge, mergeStates, readState, type NamedState } from './state.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-gauges-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1, 12);
const HEADER = ['vus', 'vus_max', 'queue_depth'].map(
  (m) => `{"type":"Metric","data":{"name":"${m}","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"${m}"}`,
);

/**
 * What one k6 instance of `shards` writes for a 60 s ramp to `peakVus` VUs in all: every second its
 * share of the VUs (k6 splits them by execution segment), its vus_max, and a probed queue depth
 * (the same queue seen from every instance); each instance's clock offset by a few ms.
 */
function instance(i: number, shards: number, peakVus: number): string[] {
  const lines = [...HEADER];
  // Instance i's part of a whole, as execution segments i/n:(i+1)/n split it.
  const part = (whole: number) => Math.floor(((i + 1) * whole) / shards) - Math.floor((i * whole) / shards);
  const share = part(peakVus);
  for (let s = 0; s < 60; s++) {
    const t = new Date(T0 + s * 1000 + i * 7).toISOString();
    const vus = s >= 55 ? 0 : part(Math.min(peakVus, 2 * (Math.floor(s / 10) + 1)));
    const tags = `{"instance_id":"${i + 1}","scenario":"default"}`;
    lines.push(`{"type":"Point","data":{"time":"${t}","value":${vus},"tags":${tags}},"metric":"vus"}`);
    lines.push(`{"type":"Point","data":{"time":"${t}","value":${share},"tags":${tags}},"metric":"vus_max"}`);
    lines.push(`{"type":"Point","data":{"time":"${t}","value":${40 + (s % 5)},"tags":${tags}},"metric":"queue_depth"}`);
  }
  return lines;
}

async function shardFiles(shards: number, peakVus: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < shards; i++) {
    const f = join(dir, `s${shards}-${i + 1}.ndjson`);
    await writeFile(f, instance(i, shards, peakVus).join('\n') + '\n');
    files.push(f);
  }
  return files;
}

const gates: GateConfigInput[] = [{ metric: 'vus_max', expression: 'value>=12' }];
const config = { evaluate: { bucketWidth: '10s' }, gates };

const gauge = (r: ReportModel, metric: string) => {
  const list = r.series.filter((s) => s.metric === metric);
  expect(list.length, metric).toBe(1);
  return list[0]!;
};

describe("k6's VU gauges across shards", () => {
  it('1, 2 and 4 instances of the same load give the same vus and vus_max; another gauge is not added up', async () => {
    const reports = new Map<number, ReportModel>();
    for (const n of [1, 2, 4]) reports.set(n, await evaluate(await shardFiles(n, 12), { config }));
    for (const [n, r] of reports) {
      const vus = gauge(r, 'vus');
      expect(vus.gauge, `${n} shards`).toMatchObject({ max: 12 });
      expect(gauge(r, 'vus_max').gauge, `${n} shards`).toMatchObject({ max: 12, min: 12, last: 12 });
      expect(vus.id).toBe('vus{scenario=default}'); // the per-input series are not in the report
      expect(vus.count).toBe(60 * n); // every sample counted
      // The queue seen from each instance is the same queue: its depth is not multiplied.
      expect(gauge(r, 'queue_depth').gauge, `${n} shards`).toMatchObject({ min: 40, max: 44 });
      expect(r.gates.map((g) => g.verdict)).toEqual(['pass']);
      expect(r.totals.series).toBe(3);
    }
    // Bucket by bucket, the ramp is the same whatever the shard count.
    const ramp = (r: ReportModel) => gauge(r, 'vus').buckets.items.map((b) => [b.start, b.max, b.last]);
    expect(ramp(reports.get(4)!)).toEqual(ramp(reports.get(1)!));
    expect(ramp(reports.get(2)!)).toEqual(ramp(reports.get(1)!));
    expect(ramp(reports.get(1)!).map(([, max, last]) => [max, last])).toEqual([
      [2, 2],
      [4, 4],
      [6, 6],
      [8, 8],
      [10, 10],
      [12, 0],
    ]);
  });

  it("the merge of the shards' states gives the figures of one evaluation of their files", async () => {
    const files = await shardFiles(4, 12);
    const whole = await evaluate(files, { config });
    const states: NamedState[] = [];
    for (const [i, f] of files.entries()) {
      const statePath = join(dir, `g${i}.state.json`);
      await evaluate([f], { config, statePath });
      states.push({ name: f, state: await readState(statePath) });
    }
    // Each state keeps its instance's VU gauges apart (by input), so the merge can add them up.
    expect(states[0]!.state.series.filter((s) => s.metric === 'vus').map((s) => s.tags)).toEqual([{ scenario: 'default', __input: files[0] }]);
    const merged = finishMerge(mergeStates(states, { config: config.evaluate, gates }), files);
    const { createdAt: _a, merge: _m, ...m } = merged;
    const { createdAt: _b, ...w } = whole;
    expectSameReport({ ...m, gates: m.gates.map(({ durationMs: _d, ...g }) => g) }, { ...w, gates: w.gates.map(({ durationMs: _d, ...g }) => g) });
    expect(gauge(merged, 'vus_max').gauge!.last).toBe(12);
    // A shard alone judges its share: the gate the whole run passes fails on it.
    const one = await evaluate([files[0]!], { config });
    expect(gauge(one, 'vus_max').gauge!.last).toBe(3);
    expect(one.gates.map((g) => g.verdict)).toEqual(['fail']);
  });
});
