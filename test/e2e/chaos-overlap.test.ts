// Faults overlapping on one target (issue 19, items 1 and 2): Redis toggles on one key stack (each end
// restores what was beneath it, the last the original value and TTL), pauses of one process count
// (it runs again when the last ends), and overlaps no order can undo are refused when the plan is read.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosSectionSchema } from '../../chaos/config.js';
import { openSessionJournals } from '../../chaos/journal.js';
import { recoverJournal } from '../../chaos/recover.js';
import { readProcStat } from '../../lib/proc.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { openTestSession, tempPaths, type TestSession } from './chaos-support.js';

let redis: RunningServer;
let db: Redis;
let paths: TestSession;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  db = new Redis(redis.url);
  paths = await tempPaths();
});

afterAll(async () => {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  db?.disconnect();
  await redis?.stop();
  await paths?.cleanup();
});

const toggle = (id: string, value: string) => ({ id, kind: 'redis-toggle', target: 'feature:x', at: '0s', params: { value, ttlSeconds: 60 } });

describe('redis-toggles on one key', () => {
  it('ta ends beneath tb: the key keeps B, then tb restores the original value without a TTL', async () => {
    await db.set('feature:x', 'orig');
    const { session, plan } = await openTestSession({ plan: [toggle('ta', 'A'), toggle('tb', 'B')] }, paths, redis.url);
    await session.apply(plan.get('ta')!);
    expect(await db.get('feature:x')).toBe('A');
    await session.apply(plan.get('tb')!);
    expect(await db.get('feature:x')).toBe('B');
    await session.remove('ta');
    expect(await db.get('feature:x')).toBe('B');
    await session.remove('tb');
    expect(await db.get('feature:x')).toBe('orig');
    expect(await db.pttl('feature:x')).toBe(-1);
    const offTa = (await paths.events()).find((e) => e.faultId === 'ta' && e.action === 'off');
    expect(offTa?.params.targetStillFaultedBy).toEqual(['tb']);
    await session.close();
  });

  it('tb ends inside ta: the key holds A again until ta ends, then the original', async () => {
    await db.set('feature:x', 'orig', 'EX', 500);
    const { session, plan } = await openTestSession({ plan: [toggle('ta', 'A'), toggle('tb', 'B')] }, paths, redis.url);
    await session.apply(plan.get('ta')!);
    await session.apply(plan.get('tb')!);
    await session.remove('tb');
    expect(await db.get('feature:x')).toBe('A');
    await session.remove('ta');
    expect(await db.get('feature:x')).toBe('orig');
    expect(await db.pttl('feature:x')).toBeGreaterThan(400_000);
    await session.close();
  });

  it('killed with both on after the lower one ended: the journal restores the original', async () => {
    await db.set('feature:x', 'orig');
    const { session, plan } = await openTestSession({ plan: [toggle('ta', 'A'), toggle('tb', 'B'), toggle('tc', 'C')] }, paths, redis.url);
    await session.apply(plan.get('ta')!);
    await session.apply(plan.get('tb')!);
    await session.apply(plan.get('tc')!);
    await session.remove('ta');
    // As after a SIGKILL: the session is gone (no longer open in this process), its journal alone puts the key back.
    openSessionJournals.delete(session.journalPath);
    const report = await recoverJournal(paths.journalPath, { redisUrl: redis.url });
    expect(report.undone.map((e) => e.faultId)).toEqual(['tc', 'tb']);
    expect(await db.get('feature:x')).toBe('orig');
  });
});

describe('process-pauses on one process', () => {
  it('the inner pause ending leaves it stopped; the outer ending continues it', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child);
    const pidFile = join(paths.dir, 'victim.pid');
    await writeFile(pidFile, `${child.pid}\n`);
    const pause = (id: string) => ({ id, kind: 'process-pause', target: pidFile, at: '0s' });
    const { session, plan } = await openTestSession({ plan: [pause('pa'), pause('pb')] }, paths);
    const state = () => readProcStat(child.pid!)?.state;
    await session.apply(plan.get('pa')!);
    await session.apply(plan.get('pb')!);
    await waitFor(() => state() === 'T', { timeoutMs: 5000, what: 'the victim stopped' });
    await session.remove('pb');
    // Had pb's end sent SIGCONT, the victim would run within a few ms.
    await new Promise((r) => setTimeout(r, 300));
    expect(state()).toBe('T');
    const offPb = (await paths.events()).find((e) => e.faultId === 'pb' && e.action === 'off');
    expect(offPb?.params.targetStillFaultedBy).toEqual(['pa']);
    await session.remove('pa');
    await waitFor(() => state() !== 'T', { timeoutMs: 5000, what: 'the victim continued' });
    await session.close();
  });
});

describe('overlaps no undo order can fix are refused when the plan is read', () => {
  it('a process-kill and a process-pause on one PID file at once', () => {
    const parsed = chaosSectionSchema.safeParse({
      plan: [
        { id: 'pa', kind: 'process-pause', target: 'w.pid', at: '1s', duration: '5s' },
        { id: 'kb', kind: 'process-kill', target: 'w.pid', at: '3s' },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toContainEqual(
      expect.stringMatching(/^plan\.1\.at: "kb" overlaps "pa" on w\.pid: a process-kill/),
    );
  });

  it('http hooks on one URL with different bodies, but not one after the other', () => {
    const hook = (id: string, at: string, on: unknown) => ({ id, kind: 'http-hook', target: 'http://127.0.0.1:9/chaos', at, duration: '2s', params: { on } });
    expect(chaosSectionSchema.safeParse({ plan: [hook('ha', '0s', { ms: 100 }), hook('hb', '1s', { ms: 900 })] }).success).toBe(false);
    expect(chaosSectionSchema.safeParse({ plan: [hook('ha', '0s', { ms: 100 }), hook('hb', '2s', { ms: 900 })] }).success).toBe(true);
    expect(chaosSectionSchema.safeParse({ plan: [hook('ha', '0s', { ms: 100 }), hook('hb', '1s', { ms: 100 })] }).success).toBe(true);
  });
});
