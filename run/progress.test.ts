import { describe, expect, it } from 'vitest';
import { formatProgress, LiveTap, progressPrinter } from './progress.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const line = (metric: string, ms: number, value: number) =>
  `{"metric":"${metric}","type":"Point","data":{"time":"${new Date(ms).toISOString()}","value":${value},"tags":{"name":"GET /"}}}`;

describe('LiveTap', () => {
  it('gives RPS, p95 and error rate over the last complete seconds', () => {
    const tap = new LiveTap();
    const lines: string[] = [];
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 20; i++) {
        const t = T + s * 1000 + i * 50;
        lines.push(line('http_req_duration', t, i >= 18 ? 900 : 100 + i), line('http_req_failed', t, i % 10 === 0 ? 1 : 0));
        lines.push(line('vus', t, 3)); // ignored
      }
    }
    const text = lines.join('\n') + '\n';
    tap.text(text, 0, text.length);
    const snap = tap.snapshot(T + 10_500);
    expect(snap.rps).toBeCloseTo(20, 5);
    expect(snap.errorRate).toBeCloseTo(0.1, 5);
    expect(snap.p95).toBe(900); // two in twenty are 900 ms outliers: above the 95th percentile's rank
  });

  it("reads p95 as k6 does (interpolated at rank 0.95·(n−1)), as the gates and the report's tables", () => {
    const tap = new LiveTap();
    const lines = Array.from({ length: 20 }, (_, i) => line('http_req_duration', T + i * 50, i + 1));
    const text = lines.join('\n') + '\n';
    tap.text(text, 0, text.length);
    // 1..20 ms: rank 18.05 lies between 19 and 20 (a nearest-rank reading says 19).
    expect(tap.snapshot(T + 1500).p95).toBeCloseTo(19.05, 12);
  });

  it('gives the same figures from parsed points (the reading threads hand them on) as from lines', () => {
    const fromLines = new LiveTap();
    const fromPoints = new LiveTap();
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 20; i++) {
        const t = T + s * 1000 + i * 50;
        const points: Array<[string, number]> = [
          ['http_req_duration', i >= 18 ? 900 : 100 + i],
          ['http_req_failed', i % 10 === 0 ? 1 : 0],
          ['vus', 3],
        ];
        for (const [metric, value] of points) {
          fromLines.line(line(metric, t, value));
          fromPoints.point(metric, t, value);
        }
      }
    }
    expect(fromPoints.snapshot(T + 10_500)).toEqual(fromLines.snapshot(T + 10_500));
    expect(fromPoints.snapshot(T + 10_500).rps).toBeCloseTo(20, 5);
  });

  it('finds a request line after many other lines, in text taken in part (start, end)', () => {
    const tap = new LiveTap();
    const others = Array.from({ length: 500 }, (_, i) => line('vus', T + i, 3));
    const text = [...others, line('http_req_duration', T + 600, 42), line('http_req_duration', T + 700, 43)].join('\n') + '\n';
    // The last line lies past `end`: not counted.
    tap.text(text, 0, text.lastIndexOf(line('http_req_duration', T + 700, 43)));
    expect(tap.snapshot(T + 1500)).toEqual({ rps: 0.1, p95: 42, errorRate: 0 });
  });

  it('has nothing to say before a second completes', () => {
    const tap = new LiveTap();
    tap.line(line('http_req_duration', T + 100, 5));
    expect(tap.snapshot(T + 500)).toEqual({ rps: 0, p95: null, errorRate: null });
  });
});

describe('progress output', () => {
  it('formats elapsed, remaining, phase, faults and live figures', () => {
    const text = formatProgress({ elapsedMs: 65_000, totalMs: 75_000, phase: 'fault:ocr-latency', activeFaults: ['ocr-latency'] }, { rps: 18.04, p95: 381.2, errorRate: 0.012 });
    expect(text).toBe('1:05 / 1:15 (0:10 left)  phase fault:ocr-latency  faults ocr-latency  rps 18.0  p95 381ms  errors 1.2%');
  });

  it('prints plain periodic lines when not a terminal', () => {
    const out: string[] = [];
    const stream = { isTTY: false, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
    const p = progressPrinter(stream, 5000);
    for (let ms = 0; ms <= 12_000; ms += 1000) p.tick({ elapsedMs: ms, totalMs: null, phase: 'baseline', activeFaults: [] }, { rps: 1, p95: null, errorRate: null });
    expect(out.map((l) => l.slice(0, 4))).toEqual(['0:00', '0:05', '0:10']);
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });

  it('redraws one line on a terminal', () => {
    const out: string[] = [];
    const stream = { isTTY: true, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
    const p = progressPrinter(stream, 5000);
    p.tick({ elapsedMs: 1000, totalMs: null, phase: 'baseline', activeFaults: [] }, { rps: 1, p95: null, errorRate: null });
    p.line('chaos: x on');
    p.end();
    expect(out[0]!.startsWith('\r\x1b[2K0:01')).toBe(true);
    expect(out.slice(1)).toEqual(['\r\x1b[2K', 'chaos: x on\n']);
  });
});
