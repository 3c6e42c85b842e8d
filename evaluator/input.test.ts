import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';
import { gzipSync } from 'node:zlib';
import { createPipeCut, forEachText, pipeChunks, pipeReadByOne, readBlocks, readPipeBlocks, readSource } from './input.js';
import { startPipeDrain } from './pipe-drain.js';
import { MAX_LINE_CHARS } from './readers/types.js';

const dir = mkdtempSync(join(tmpdir(), 'chaosgate-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const point = (v: number) => `{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-29T01:25:02.5+01:00","value":${v},"tags":{"status":"200"}}}`;

/** A stream of `text` pieces, the long ones produced 64 KB at a time (never held whole). */
async function* pieces(parts: (string | { repeat: string; bytes: number })[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    if (typeof part === 'string') {
      yield Buffer.from(part);
      continue;
    }
    const block = Buffer.from(part.repeat.repeat(Math.ceil(65536 / part.repeat.length))).subarray(0, 65536);
    for (let sent = 0; sent < part.bytes; sent += block.length) yield block.subarray(0, Math.min(block.length, part.bytes - sent));
  }
}

describe('line length bound', () => {
  it('drops a 50 MB line as it streams past (never a string over 1 MiB) and reports it malformed at its line', async () => {
    const ev = createEvaluation({ malformedTolerance: 0.5 });
    let longest = 0;
    await forEachText(
      pieces([point(1) + '\n{"metric":"x","junk":"', { repeat: 'abcdefgh', bytes: 50 << 20 }, '"}\n' + point(2) + '\n{"a":"', { repeat: 'z', bytes: 3 << 20 }]),
      (text, start, end, lineNo) => {
        longest = Math.max(longest, end - start);
        return ev.ingestText(text, start, end, 'big.ndjson', lineNo);
      },
    );
    const report = ev.finish();
    expect(longest).toBeLessThanOrEqual(MAX_LINE_CHARS + 65536);
    expect(report.totals.points).toBe(2);
    expect(report.totals.malformed).toBe(2);
    expect(report.totals.problems.map((p) => `${p.source}:${p.line}`)).toEqual(['big.ndjson:2', 'big.ndjson:4']);
    expect(report.totals.problems[0]!.reason).toMatch(/^line longer than 1 MiB \(52428\d\d\d characters; k6 writes lines under 4 KB\)/);
  });

  it('reads a line just under the bound', async () => {
    const ev = createEvaluation();
    const url = 'u'.repeat(MAX_LINE_CHARS - 200);
    const line = `{"metric":"m","type":"Point","data":{"time":"2026-11-29T00:00:00Z","value":3,"tags":{"url":"${url}"}}}`;
    expect(line.length).toBeLessThan(MAX_LINE_CHARS);
    await forEachText(pieces([point(1) + '\n', line, '\n' + point(2) + '\n']), (text, start, end, lineNo) => ev.ingestText(text, start, end, 'in', lineNo));
    const report = ev.finish();
    expect(report.totals.malformed).toBe(0);
    expect(report.totals.points).toBe(3);
  });
});

describe('byte-order mark', () => {
  it('reads NDJSON and CSV files that start with a UTF-8 BOM', async () => {
    const ndjson = join(dir, 'bom.ndjson');
    writeFileSync(ndjson, '\ufeff' + [point(1), point(2)].join('\n') + '\n');
    const csv = join(dir, 'bom.csv');
    writeFileSync(csv, '\ufeffmetric_name,timestamp,metric_value,status\nhttp_req_duration,1764375902,12.5,200\n');
    for (const file of [ndjson, csv]) {
      const ev = createEvaluation();
      await readSource(ev, file);
      const report = ev.finish();
      expect(report.totals.problems).toEqual([]);
      expect(report.totals.points).toBeGreaterThan(0);
    }
  });

  it('still reports a BOM that is not at the start', async () => {
    const ev = createEvaluation({ malformedTolerance: 1 });
    await forEachText(pieces([point(1) + '\n\ufeff' + point(2) + '\n']), (text, start, end, lineNo) => ev.ingestText(text, start, end, 'in', lineNo));
    const report = ev.finish();
    expect(report.totals.points).toBe(1);
    expect(report.totals.problems.map((p) => p.line)).toEqual([2]);
  });
});

describe('live input (a FIFO) through the draining thread', () => {
  it('hands on every byte in order, and drains the writer while its reader is busy', async () => {
    const fifo = join(dir, 'k6.fifo');
    execFileSync('mkfifo', [fifo]);
    const data = join(dir, 'k6.ndjson');
    const lines = Array.from({ length: 20_000 }, (_, i) => point(i)); // ~3.4 MB, under the 8 MB ring
    writeFileSync(data, lines.join('\n') + '\n');
    const want = createHash('sha256')
      .update(lines.join('\n') + '\n')
      .digest('hex');
    // The writer: `cat` into the FIFO, as k6 writes into it; timed until it has written everything.
    const started = performance.now();
    const writer = spawn('sh', ['-c', `cat ${data} > ${fifo}`], { stdio: 'ignore' });
    const writerDone = new Promise<number>((resolve) => writer.on('exit', () => resolve(performance.now() - started)));
    const hash = createHash('sha256');
    let first = true;
    let writerMs = -1;
    for await (const chunk of pipeChunks(fifo, () => {})) {
      if (first) {
        first = false;
        // A busy reader: it takes nothing more until the writer is done (a pipe alone holds 64 KB).
        writerMs = await Promise.race([writerDone, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000))]);
      }
      hash.update(chunk);
    }
    expect(writerMs).toBeGreaterThan(0);
    expect(hash.digest('hex')).toBe(want);
  });

  it('keeps the main thread running while it waits for a slow writer', async () => {
    const fifo = join(dir, 'slow.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `(echo a; sleep 1; echo b) > ${fifo}`], { stdio: 'ignore' });
    // Listened for now: the writer may exit while the loop below still reads (its EOF ends the loop).
    const writerExited = new Promise((resolve) => writer.once('exit', resolve));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    let text = '';
    try {
      for await (const chunk of pipeChunks(fifo, () => {})) text += chunk.toString();
    } finally {
      clearInterval(timer);
    }
    await writerExited;
    expect(text).toBe('a\nb\n');
    expect(ticks).toBeGreaterThan(10); // ~50 in the second the reader waited
  });

  it('reports a FIFO that cannot be opened as an input error naming it', async () => {
    const ev = createEvaluation();
    const missing = join(dir, 'no-such.fifo');
    const gen = pipeChunks(missing, () => {});
    await expect(gen.next()).rejects.toMatchObject({ code: 'ENOENT' });
    ev.dispose();
  });
});

describe('readBlocks (several reading threads of one plain file)', () => {
  it('gives every line to exactly one reader, in blocks cut at line starts, also around a line longer than a block', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => (i === 1_500 ? 'x'.repeat(10_000) : `line ${i} ${'y'.repeat(i % 50)}`));
    const file = join(dir, 'blocks.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const bytes = 4_096;
    const perBlock = new Map<number, string[]>();
    for (let index = 0; index < 3; index++) {
      let block = index;
      let current: string[] = [];
      const target = {
        describeSource: () => {},
        ingestText: (text: string, start: number, end: number) => {
          const got = text.slice(start, end).split('\n');
          if (got.at(-1) === '') got.pop();
          current.push(...got);
          return got.length;
        },
      };
      await readBlocks(target, file, { index, count: 3, bytes }, () => {
        perBlock.set(block, current);
        block += 3;
        current = [];
      });
    }
    const blocks = [...perBlock.keys()].sort((a, b) => a - b);
    expect(blocks).toEqual(Array.from({ length: Math.ceil((lines.join('\n').length + 1) / bytes) }, (_, k) => k));
    expect(blocks.flatMap((k) => perBlock.get(k)!)).toEqual(lines);
    // The long line's block holds it whole; the block after it is empty (no line starts in it).
    expect(blocks.some((k) => perBlock.get(k)!.length === 0)).toBe(true);
  });
});

describe('readPipeBlocks (reading threads taking turns cutting a live source)', () => {
  /** What one reader (count 1: it has every turn) reads of `data` written into a FIFO, block by block. */
  async function blocksOf(name: string, data: Buffer, copyFd?: number): Promise<{ blocks: string[]; bytes: number; byOne: boolean; error?: unknown }> {
    const fifo = join(dir, `${name}.fifo`);
    const file = join(dir, `${name}.data`);
    execFileSync('mkfifo', [fifo]);
    writeFileSync(file, data);
    const writer = spawn('sh', ['-c', `cat ${file} > ${fifo}`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    const { drain, stop } = startPipeDrain(fifo);
    const cut = createPipeCut();
    const blocks: string[] = [];
    let current = '';
    const target = {
      describeSource: () => {},
      ingestText: (text: string, start: number, end: number) => {
        current += text.slice(start, end);
        return 1;
      },
    };
    try {
      let error: unknown;
      const bytes = await readPipeBlocks(target, fifo, drain, cut, { index: 0, count: 1, copyFd }, () => {
        blocks.push(current);
        current = '';
      }).catch((err: unknown) => {
        error = err;
        return -1;
      });
      if (current !== '') blocks.push(current); // read by one reader: no blocks
      await exited;
      return { blocks, bytes, byOne: pipeReadByOne(cut), ...(error === undefined ? {} : { error }) };
    } finally {
      stop();
    }
  }

  it('cuts plain NDJSON into blocks of whole lines, at most 1 MB each, every byte once and in order', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => point(i)); // ~3.6 MB
    const text = lines.join('\n') + '\n' + point(-1); // the last line without a newline
    const { blocks, bytes, byOne } = await blocksOf('cut', Buffer.from(text));
    expect(byOne).toBe(false);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(blocks.join('')).toBe(text);
    expect(bytes).toBe(Buffer.byteLength(text));
    for (const b of blocks.slice(0, -1)) expect(b.endsWith('\n')).toBe(true);
    for (const b of blocks) expect(b.length).toBeLessThanOrEqual(1 << 20);
  });

  it('reads on to the end when the copy cannot be written, then fails naming the copy', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => point(i)).join('\n') + '\n';
    const readOnly = join(dir, 'read-only.gz');
    writeFileSync(readOnly, '');
    const fd = openSync(readOnly, 'r'); // writes fail (EBADF)
    try {
      const got = await blocksOf('copy-fails', Buffer.from(lines), fd);
      expect(got.blocks.join('')).toBe(lines);
      expect(got.error).toMatchObject({ copyFailed: true, code: 'EBADF' });
    } finally {
      closeSync(fd);
    }
  });

  it('gives gzip and CSV whole to reader 0 (they cannot be cut), and an empty source no block', async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => point(i)).join('\n') + '\n';
    const gz = await blocksOf('gz', gzipSync(lines));
    expect(gz.byOne).toBe(true);
    expect(gz.blocks.join('')).toBe(lines);
    const csv = 'metric_name,timestamp,metric_value\nhttp_reqs,1700000000,1\n';
    const c = await blocksOf('csv', Buffer.from(csv));
    expect(c.byOne).toBe(true);
    expect(c.blocks.join('')).toBe(csv);
    const empty = await blocksOf('empty', Buffer.alloc(0));
    expect(empty).toEqual({ blocks: [], bytes: 0, byOne: false });
  });
});

describe('readBlocks errors', () => {
  it('reports a file it cannot read as an input error naming it', async () => {
    const missing = join(dir, 'gone.ndjson');
    const target = { describeSource: () => {}, ingestText: () => 0 };
    await expect(readBlocks(target, missing, { index: 0, count: 2, bytes: 4096 }, () => {})).rejects.toThrow(`${missing}: no such file`);
  });
});
