// The plain reference the benchmark compares with: readline + JSON.parse per line + one HDR
// histogram per series (metric + the same tag set), gzip by zlib. What a straightforward evaluator does.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Histogram } from '../model/histogram.js';

const GROUP_BY = ['name', 'group', 'scenario', 'method', 'status', 'expected_response'];

export async function referenceEvaluate(path: string): Promise<{ points: number; series: number }> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const series = new Map<string, { count: number; sum: number; hist: Histogram }>();
  let points = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (!line) continue;
    const o = JSON.parse(line) as { type: string; metric: string; data: { value: number; tags: Record<string, string> | null } };
    if (o.type !== 'Point') continue;
    points++;
    const tags = o.data.tags ?? {};
    const key = o.metric + '|' + GROUP_BY.map((k) => tags[k] ?? '').join('|');
    let s = series.get(key);
    if (!s) {
      s = { count: 0, sum: 0, hist: Histogram.create(3) };
      series.set(key, s);
    }
    s.count++;
    s.sum += o.data.value;
    s.hist.record(Math.round(o.data.value * 1000));
  }
  const n = series.size;
  for (const s of series.values()) s.hist.destroy();
  return { points, series: n };
}
