import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { EARLY_READERS_MIN_BYTES, FILE_READERS, FILE_READERS_YOUNG_MB, earlyReadersFile, startEarlyReaders, takeEarlyReaders } from './early-readers.js';

const dir = mkdtempSync(join(tmpdir(), 'chaosgate-early-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of `bytes` starting with `head` (no disk used beyond its first block). */
function sized(name: string, head: string | Buffer, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, head);
  truncateSync(path, bytes);
  return path;
}

describe('earlyReadersFile', () => {
  const big = sized('big.ndjson', '{"type":"Point"}\n', EARLY_READERS_MIN_BYTES);
  const big2 = sized('big2.ndjson', '{"type":"Point"}\n', EARLY_READERS_MIN_BYTES + 1);
  const small = sized('small.ndjson', '{"type":"Point"}\n', EARLY_READERS_MIN_BYTES - 1);
  const gz = sized('big.ndjson.gz', gzipSync('{}'), EARLY_READERS_MIN_BYTES);
  const csv = sized('big.csv', 'metric_name,timestamp\n', EARLY_READERS_MIN_BYTES);
  const config = sized('c.json', '{}', 2);

  it('guesses the one big plain NDJSON input of `evaluate`, as an absolute path', () => {
    expect(earlyReadersFile(['evaluate', big, '-c', config, '--json', join(dir, 'r.json')])).toBe(big);
    expect(earlyReadersFile(['evaluate', relative(process.cwd(), big)])).toBe(big);
    expect(earlyReadersFile(['evaluate', big, '--threads', '2'])).toBe(big);
    expect(earlyReadersFile(['evaluate', '--threads=8', big])).toBe(big);
  });

  it('guesses nothing for other commands, one thread, small, gzip or CSV files, or two big inputs', () => {
    expect(earlyReadersFile(['merge', big])).toBeNull();
    expect(earlyReadersFile(['evaluate', big, '--threads', '1'])).toBeNull();
    expect(earlyReadersFile(['evaluate', big, '--threads=1'])).toBeNull();
    expect(earlyReadersFile(['evaluate', small])).toBeNull();
    expect(earlyReadersFile(['evaluate', gz])).toBeNull();
    expect(earlyReadersFile(['evaluate', csv])).toBeNull();
    expect(earlyReadersFile(['evaluate', big, big2])).toBeNull();
    expect(earlyReadersFile(['evaluate', join(dir, 'missing.ndjson')])).toBeNull();
    expect(earlyReadersFile(['evaluate', '-'])).toBeNull();
  });
});

describe('takeEarlyReaders', () => {
  // A stand-in for the bundled reader (worker.ts): waits for its task, answers it.
  const script = join(dir, 'echo-worker.mjs');
  writeFileSync(script, "import { parentPort } from 'node:worker_threads'; parentPort.once('message', (m) => parentPort.postMessage({ got: m }));\n");
  const url = pathToFileURL(script);
  const file = join(dir, 'input.ndjson');

  it('hands the threads over once, referenced and waiting for their task, for the same file and reader count', async () => {
    startEarlyReaders(file, url);
    const workers = takeEarlyReaders(file, FILE_READERS, FILE_READERS_YOUNG_MB);
    expect(workers).toHaveLength(FILE_READERS);
    expect(takeEarlyReaders(file, FILE_READERS, FILE_READERS_YOUNG_MB)).toBeNull();
    const answers = await Promise.all(
      workers!.map(async (w, i) => {
        const reply = once(w, 'message');
        w.postMessage({ task: i });
        return ((await reply)[0] as { got: unknown }).got;
      }),
    );
    expect(answers).toEqual([{ task: 0 }, { task: 1 }]);
    await Promise.all(workers!.map((w) => w.terminate()));
  });

  it('ends them and gives none for another file, reader count or young generation', async () => {
    for (const [path, readers, young] of [
      [join(dir, 'other.ndjson'), FILE_READERS, FILE_READERS_YOUNG_MB],
      [file, 1, FILE_READERS_YOUNG_MB],
      [file, FILE_READERS, 2],
    ] as const) {
      startEarlyReaders(file, url);
      const g = globalThis as Record<symbol, { workers: { worker: Worker }[] } | undefined>;
      const started = g[Symbol.for('chaosgate.earlyReaders')]!.workers.map((w) => w.worker);
      const exits = started.map((w) => once(w, 'exit'));
      expect(takeEarlyReaders(path, readers, young)).toBeNull();
      await Promise.all(exits); // terminated, not left running
    }
  });
});
