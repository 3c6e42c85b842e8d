import { describe, expect, it } from 'vitest';
import { esc, formatElapsed, renderChart } from './svg-chart.js';

describe('svg chart', () => {
  it('escapes markup and quotes', () => {
    expect(esc(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('formats elapsed time as m:ss or h:mm:ss', () => {
    expect([formatElapsed(0), formatElapsed(65_000), formatElapsed(3_725_000)]).toEqual(['0:00', '1:05', '1:02:05']);
  });

  it('breaks a line at missing buckets and clips fault windows to the axis', () => {
    const svg = renderChart({
      title: 't',
      unit: 'ms',
      start: 0,
      end: 10_000,
      gapMs: 1500,
      formatValue: String,
      windows: [{ name: 'fault:x', start: 8000, end: 20_000 }],
      lines: [{ name: 'p95', color: '#000', points: [0, 1000, 2000, 5000, 6000].map((t) => ({ t, v: t / 1000 })) }],
    });
    const d = /data-points="5" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2); // one jump from 2 s to 5 s
    expect(d.match(/L/g)).toHaveLength(3);
    const rect = /class="fault-window" x="([\d.]+)" y="\d+" width="([\d.]+)"/.exec(svg)!;
    expect(Number(rect[1]) + Number(rect[2])).toBeCloseTo(920 - 16, 0); // ends at the plot's right edge
  });

  it('draws a bucket as a level step over its span, joined at the boundary, broken where time is missing', () => {
    const svg = renderChart({
      title: 't',
      unit: 'ms',
      start: 0,
      end: 10_000,
      gapMs: 0,
      formatValue: String,
      windows: [],
      lines: [
        {
          name: 'p95',
          color: '#000',
          points: [
            { t: 0, end: 1000, v: 10 },
            { t: 1000, end: 2000, v: 20 },
            { t: 3000, end: 4000, v: 10 },
          ],
        },
      ],
    });
    const d = /data-points="3" d="([^"]+)"/.exec(svg)![1]!;
    const coords = [...d.matchAll(/([ML])([\d.]+),([\d.]+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])] as const);
    const x = (t: number) => 64 + (t / 10_000) * (920 - 64 - 16);
    expect(coords.map(([c, xx]) => [c, Math.round(xx)])).toEqual([
      ['M', Math.round(x(0))],
      ['L', Math.round(x(1000))], // first bucket, level
      ['L', Math.round(x(1000))],
      ['L', Math.round(x(2000))], // vertical join, then level
      ['M', Math.round(x(3000))],
      ['L', Math.round(x(4000))], // 2–3 s missing: a new subpath
    ]);
    expect(coords[0]![2]).toBe(coords[1]![2]);
    expect(coords[2]![2]).toBeLessThan(coords[1]![2]); // 20 is drawn higher than 10
  });
});
