// The router's side of a recording thread that fails (the real one only fails on a bug, so a
// stand-in thread plays it): the evaluation ends with the thread's error, never a hang or figures.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CTL_SLOTS, FAILED } from './record-lane.js';
import { RecordRouter } from './record-router.js';
import { SeriesStore } from './series.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-record-router-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A recording thread that runs `body` (with its task's `ctl` and `parentPort`) instead of recording. */
async function standIn(name: string, body: string): Promise<URL> {
  const file = join(dir, `${name}.mjs`);
  await writeFile(file, `import { parentPort, workerData } from 'node:worker_threads';\nconst ctl = new Int32Array(workerData.ctl, 0, ${CTL_SLOTS});\n${body}\n`);
  return pathToFileURL(file);
}

const store = () => new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 100, seriesCap: 100, wantsHistogram: () => true, wantsBucketHistogram: () => false });

describe('recording threads that fail', () => {
  it('a thread that says it failed: routing stops at once when its ring is full, and the end names its error', async () => {
    const script = await standIn('fails', `Atomics.store(ctl, ${FAILED}, 1); parentPort.postMessage({ error: 'boom' });`);
    const s = store();
    const router = new RecordRouter(s, script, 1, []);
    const series = s.get('http_req_duration', {});
    // More points than its ring holds: the router finds the ring full and the thread failed.
    expect(() => {
      for (let i = 0; i < 200_000; i++) series.record(1_700_000_000_000 + i, i, false);
    }).toThrow(/a recording thread failed/);
    await expect(router.finish()).rejects.toThrow(/a recording thread failed: boom/);
    s.destroy();
  });

  it('a thread that stops without a word: the end says so (no hang, no figures)', async () => {
    const script = await standIn('exits', 'process.exit(7);');
    const s = store();
    const router = new RecordRouter(s, script, 2, []);
    for (let i = 0; i < 1000; i++) s.get(`m${i % 3}`, {}).record(1_700_000_000_000 + i, i, false);
    await expect(router.finish()).rejects.toThrow(/a recording thread stopped \(exit 7\)/);
    s.destroy();
  });
});
