import { describe, expect, it } from 'vitest';
import { checkShards, combinedExit, shardFailed } from './shards.js';

describe('shards', () => {
  it('one exit stands for all: a killed or failed shard first, then a breached threshold, else 0', () => {
    const ok = { exitCode: 0, signal: null };
    const breached = { exitCode: 99, signal: null };
    const died = { exitCode: 107, signal: null };
    const killed = { exitCode: null, signal: 'SIGKILL' as const };
    expect(combinedExit([ok, ok, ok])).toEqual(ok);
    expect(combinedExit([ok, breached, ok])).toEqual(breached);
    expect(combinedExit([breached, died, ok])).toEqual(died);
    expect(combinedExit([died, killed, breached])).toEqual(killed);
    // What stops the other shards at once: killed or died, not a threshold breach.
    expect([ok, breached, died, killed].map(shardFailed)).toEqual([false, false, true, true]);
  });

  it('--shards must be 1..64', () => {
    expect(() => checkShards(3)).not.toThrow();
    for (const bad of [0, -1, 1.5, 65, NaN]) expect(() => checkShards(bad)).toThrow(/--shards/);
  });
});
