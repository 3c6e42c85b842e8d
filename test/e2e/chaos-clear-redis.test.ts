// `chaos clear` after a SIGKILL finds what to undo and where (issue 19, item 10): without -c it reads
// ./chaosgate.config.json like `run`; it undoes a Redis toggle on the Redis the journal recorded,
// not a default; when that Redis does not answer it says which one it tried.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { killStarted, runCli, startCli } from './chaos-cli-support.js';

let dir: string;
let redis: RunningServer;
let db: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-clear-redis-'));
  redis = await startRedis();
  db = new Redis(redis.url);
});

afterAll(async () => {
  killStarted();
  db?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const journal = () => join(dir, 'state', 'chaos-journal.json');

async function killedToggle(): Promise<void> {
  await db.set('feature:x', 'orig');
  const cfg = join(dir, 'apply.json');
  await writeFile(
    cfg,
    JSON.stringify({ redis: { url: redis.url }, chaos: { journal: journal(), plan: [{ id: 'tog', kind: 'redis-toggle', target: 'feature:x', params: { value: 'chaos' } }] } }),
  );
  const apply = startCli(['chaos', 'apply', '-c', cfg]);
  await apply.waitFor(/ on +tog /);
  apply.kill('SIGKILL');
  await apply.exited;
  expect(await db.get('feature:x')).toBe('chaos');
}

describe('chaos clear after a SIGKILL', () => {
  it('without -c reads ./chaosgate.config.json, and undoes on the Redis the journal recorded (the config names none)', async () => {
    await killedToggle();
    // This config names no Redis: the default (127.0.0.1:6379) is not where the toggle was.
    await writeFile(join(dir, 'chaosgate.config.json'), JSON.stringify({ chaos: { journal: journal() } }));
    const cleared = await runCli(['chaos', 'clear'], { cwd: dir });
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/undone: tog \(redis-toggle feature:x\)/);
    expect(await db.get('feature:x')).toBe('orig');
  }, 30_000);

  it('says which Redis it tried when that one does not answer', async () => {
    const closed = await freePort();
    const path = join(dir, 'state', 'chaos-journal.1-1.json');
    const undo = { key: 'feature:x', value: 'chaos', prior: 'orig', priorTtlMs: -1 };
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        owner: { pid: 4194001, startedAt: new Date(0).toISOString(), startTicks: '1' },
        redisUrl: `redis://127.0.0.1:${closed}`,
        entries: [{ faultId: 'tog', kind: 'redis-toggle', target: 'feature:x', state: 'applied', since: '', undo }],
      }),
    );
    const cleared = await runCli(['chaos', 'clear'], { cwd: dir });
    expect(cleared.code).toBe(1);
    expect(cleared.stderr).toContain(`(tried Redis redis://127.0.0.1:${closed})`);
    expect(cleared.stderr).toMatch(/chaos clear --forget <id>/);
    await rm(path);
  }, 30_000);
});
