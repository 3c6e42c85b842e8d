// The one small interface every driver (a toggle outside the proxy) implements. A driver reads what
// undoing needs before it changes anything; that record goes into the journal, so `undo` can run
// from the record alone, in this process or in the next one after a SIGKILL.
import type { Redis } from 'ioredis';
import type { z } from 'zod';

export interface DriverContext {
  /** redis:// URL for Redis toggles (credentials, if any, only from env). */
  redisUrl: string;
  /** One shared client, connected on first use. */
  redis(): Redis;
  toxiproxy: { url: string; timeoutMs: number };
  env: NodeJS.ProcessEnv;
}

export interface DriverEntry<P> {
  id: string;
  target: string;
  params: P;
}

export interface Driver<P = any, U = any> {
  params: z.ZodType<P>;
  /** Hosts the entry reaches, checked against the allowlist before anything runs. */
  hosts(entry: DriverEntry<P>, ctx: DriverContext): string[];
  /** Reads what undoing needs; runs before any change. The result is journalled (no secrets). */
  prepare(entry: DriverEntry<P>, ctx: DriverContext): Promise<U>;
  apply(entry: DriverEntry<P>, undo: U, ctx: DriverContext): Promise<void>;
  /**
   * Checked once before any load (chaos/preflight.ts): the target is there and answers. Throws a
   * PreflightFailure with `configLike` for what the config names wrongly (exit 2); anything else
   * is an unreachable target (exit 1). Changes nothing.
   */
  preflight?(entry: DriverEntry<P>, ctx: DriverContext): Promise<void>;
  /**
   * Puts things back from the journal record alone; idempotent. Returns why nothing was done when
   * there was nothing it could undo (a paused process that exited, its PID reused): not "undone".
   */
  undo(record: U, ctx: DriverContext): Promise<void | string>;
  /**
   * How faults of this kind that touch one target at once compose (docs/chaos.md "Overlapping
   * faults"); absent: each fault owns what it changes (a toxic of its own), nothing to share.
   */
  shared?: SharedTarget<U>;
}

export interface SharedTarget<U> {
  /** The target as the undo record names it (a Redis key, a process by PID and start time). */
  key(record: U): string;
  /**
   * `count`: the target stays faulted until the last fault on it ends (undo runs once, then).
   * `stack`: each fault's undo restores what the one beneath set; one ending beneath another hands
   * its recorded prior state to the fault above (`inherit`), so the last undo restores the original.
   */
  mode: 'count' | 'stack';
  inherit?(above: U, removed: U): U;
}
