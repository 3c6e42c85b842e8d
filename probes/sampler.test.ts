// The sampler's own contract, with in-process probes (the real ones are tested against real
// servers under test/e2e/probes-*.test.ts).
import { describe, expect, it } from 'vitest';
import { startProbes } from './sampler.js';
import type { GaugeSample, QueueProbe } from './types.js';
import { waitFor } from '../test/support/wait.js';

function counterProbe(id: string, delayMs = 0): QueueProbe & { closed: number; reads: number } {
  const p = {
    id,
    kind: 'celery-redis' as const,
    queue: id,
    closed: 0,
    reads: 0,
    async read() {
      p.reads++;
      await new Promise((r) => setTimeout(r, delayMs));
      return [{ metric: 'queue_depth' as const, value: p.reads }];
    },
    async close() {
      p.closed++;
    },
  };
  return p;
}

describe('startProbes', () => {
  it('skips ticks instead of overlapping when a reading is slower than the interval', async () => {
    const slow = counterProbe('slow', 250);
    const samples: GaugeSample[] = [];
    const started = Date.now();
    const sampler = startProbes([], { probes: [slow], intervalMs: 100, timeoutMs: 1000, onSample: (s) => samples.push(s) });
    await waitFor(() => slow.reads >= 3, { what: '3 readings' });
    await sampler.stop();
    const elapsed = Date.now() - started;
    // 250 ms readings on a 100 ms grid, one at a time: at most one started per 250 ms of the run
    // (overlapping ticks would start one every 100 ms), however late the timers fire.
    expect(slow.reads).toBeLessThanOrEqual(Math.floor(elapsed / 250) + 1);
    const times = samples.filter((s) => s.metric === 'queue_depth').map((s) => s.time);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
    expect(slow.closed).toBe(1);
  });

  it('a throwing onSample ends sampling, closes the probes and surfaces from stop(), not as an unhandled rejection', async () => {
    const p = counterProbe('p');
    const sampler = startProbes([], {
      probes: [p],
      intervalMs: 50,
      onSample: () => {
        throw new Error('evaluation already finished');
      },
    });
    await waitFor(() => p.closed === 1, { what: 'the probes closed after the throw' });
    // A few more intervals: no reading after the one whose sample threw.
    await new Promise((r) => setTimeout(r, 200));
    expect(p.reads).toBe(1);
    expect(p.closed).toBe(1);
    await expect(sampler.stop()).rejects.toThrow('evaluation already finished');
  });
});
