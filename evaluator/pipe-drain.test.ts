import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { PIPE_RING, readsStdinEarly, startEarlyDrain, takeEarlyDrain } from './pipe-drain.js';

const dir = mkdtempSync(join(tmpdir(), 'chaosgate-drain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const point = (i: number) =>
  `{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-29T01:25:02.${String(i % 1000).padStart(3, '0')}+01:00","value":${i % 500},"tags":{"status":"200","name":"GET /items/${i % 7}"}}}`;

describe('readsStdinEarly', () => {
  it('is `evaluate` with "-" among its arguments, nothing else', () => {
    expect(readsStdinEarly(['evaluate', '-'])).toBe(true);
    expect(readsStdinEarly(['evaluate', '-c', 'gates.json', '--json', 'r.json', '-'])).toBe(true);
    expect(readsStdinEarly(['evaluate', 'k6.json'])).toBe(false);
    expect(readsStdinEarly(['run', '-'])).toBe(false);
    expect(readsStdinEarly([])).toBe(false);
  });
});

describe('a drain started before the evaluation (the CLI entry, for `evaluate -`)', () => {
  it('takes in more than a reader-less pipe holds before any evaluation exists, and the evaluation reads every point from it', { timeout: 30_000 }, async () => {
    const fifo = join(dir, 'early.fifo');
    execFileSync('mkfifo', [fifo]);
    const data = join(dir, 'early.ndjson');
    const count = 70_000; // ~12 MB: more than a pipe (64 KB) and than a late drain's ring (8 MB)
    writeFileSync(data, Array.from({ length: count }, (_, i) => point(i)).join('\n') + '\n');
    const writer = spawn('sh', ['-c', `cat ${data} > ${fifo}`], { stdio: 'ignore' });
    const writerExit = new Promise<number | null>((resolve) => writer.once('exit', resolve));
    startEarlyDrain(fifo);
    // The writer finishes with nothing but the drain reading: the bytes wait in its ring.
    const exited = await Promise.race([writerExit, new Promise<string>((resolve) => setTimeout(() => resolve('writer still blocked after 20 s'), 20_000))]);
    expect(exited).toBe(0);
    expect(count * point(1).length).toBeGreaterThan(PIPE_RING);
    const report = await evaluate([fifo], { config: { evaluate: { workers: 1 } } });
    expect(report.totals.points).toBe(count);
    expect(report.totals.malformed).toBe(0);
    // Taken once: a second reader of the same path starts its own drain.
    expect(takeEarlyDrain(fifo)).toBeUndefined();
  });

  it('is only handed to a reader of the path it drains', () => {
    const fifo = join(dir, 'other.fifo');
    execFileSync('mkfifo', [fifo]);
    startEarlyDrain(fifo);
    expect(takeEarlyDrain(join(dir, 'elsewhere.fifo'))).toBeUndefined();
    const drain = takeEarlyDrain(fifo);
    expect(drain?.ring.byteLength).toBeGreaterThan(PIPE_RING);
    // Unblock the draining thread's open() so it ends (EOF at once).
    execFileSync('sh', ['-c', `: > ${fifo}`]);
  });
});
