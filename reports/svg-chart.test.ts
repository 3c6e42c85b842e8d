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
});
