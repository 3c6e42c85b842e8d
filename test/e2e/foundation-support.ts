// Reading k6's NDJSON (`--out json=`) in the foundation's end-to-end tests: points by metric,
// tags and time, and a plain p95 to compare phases.
import { readFile } from 'node:fs/promises';

export interface Point {
  metric: string;
  time: number;
  value: number;
  tags: Record<string, string>;
}

export async function readPoints(path: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { type: string; metric: string; data: { time: string; value: number; tags?: Record<string, string> } };
    if (row.type !== 'Point') continue;
    points.push({ metric: row.metric, time: Date.parse(row.data.time), value: row.data.value, tags: row.data.tags ?? {} });
  }
  return points;
}

export function p95(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
}
