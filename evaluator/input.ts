// Streams files, gzip files, stdin ("-") and FIFOs into an evaluation, line by line.
// Gzip is recognised by its magic bytes, not the file name.
import { closeSync, createReadStream, openSync, readSync, statSync, writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { InputError, UsageError } from '../lib/errors.js';
import { MAX_LINE_CHARS, overlongLineText } from './readers/types.js';
import { drainError, startPipeDrain, type PipeDrain } from './pipe-drain.js';

/** What a source is read into: an Evaluation, or a worker thread's scanner. */
export interface TextTarget {
  /** Notes facts about a source the reader cannot see (compression, bytes). */
  describeSource(name: string, facts: { gzip?: boolean; bytes?: number }): void;
  /** The complete lines in text[start, end); returns how many lines that was. */
  ingestText(text: string, start: number, end: number, source: string, firstLineNo: number): number;
  /** A live source has nothing more to read right now (the reader is about to wait for it). */
  idle?(): void;
}

// 64 KB reads, decoded piece by piece: a 1 MB string goes to V8's large-object space and costs
// full GCs, a 64 KB one dies young. 1 MB reads (pieces of 64 KB) removed the scanner's short waits
// for reads but raised peak RSS by 40–65 MB at 20 M points in bench:evaluator, so reads stay small.
export const CHUNK = 1 << 16;
const PIECE = 1 << 16;
/**
 * Inflated bytes per zlib job on the thread pool: each job ends with a callback on the reading
 * thread, so bigger jobs let inflating run on while it parses. At 20 M gzip points 256 KB read
 * ~15 % faster than 64 KB at the same peak RSS; 1 MB was faster again but +20–45 MB.
 */
const GUNZIP_CHUNK = 1 << 18;

/**
 * Feeds the complete lines of `stream` to `onText` a chunk at a time (a last line without newline
 * still counts); returns the (decompressed) byte count. ASCII chunks (k6 output almost always)
 * decode as latin1, which is several times faster than UTF-8 and gives the same string. A UTF-8
 * byte-order mark at the start is dropped. A line longer than MAX_LINE_CHARS is never buffered:
 * its text is dropped as it streams past and `onText` gets a stand-in the readers report as
 * malformed at that line (readers/types.ts), so memory stays bounded whatever the input.
 */
export async function forEachText(
  stream: AsyncIterable<Buffer> | Iterable<Buffer>,
  onText: (text: string, start: number, end: number, firstLineNo: number) => number,
  opts: { fromFileStart?: boolean } = {},
): Promise<number> {
  let decoder: StringDecoder | null = null;
  let rest = '';
  /** Characters of an overlong line dropped so far, or -1. */
  let dropped = -1;
  /** A byte-order mark is dropped only at the start of a file (not of a block in its middle). */
  let atStart = opts.fromFileStart ?? true;
  let lineNo = 1;
  let bytes = 0;
  const overlong = (chars: number) => {
    const stand = overlongLineText(chars);
    lineNo += onText(stand, 0, stand.length, lineNo);
  };
  for await (const read of stream) {
    bytes += read.length;
    for (let off = 0; off < read.length; off += PIECE) {
      const chunk = read.subarray(off, Math.min(off + PIECE, read.length));
      let decoded: string;
      if (isAscii(chunk)) {
        decoded = decoder ? decoder.end() + chunk.toString('latin1') : chunk.toString('latin1');
        decoder = null;
      } else {
        decoder ??= new StringDecoder('utf8');
        decoded = decoder.write(chunk);
      }
      if (atStart && decoded.length > 0) {
        atStart = false;
        if (decoded.charCodeAt(0) === 0xfeff) decoded = decoded.slice(1);
      }
      const lastNl = decoded.lastIndexOf('\n');
      if (lastNl < 0) {
        if (dropped >= 0) dropped += decoded.length;
        else if (rest.length + decoded.length > MAX_LINE_CHARS) {
          dropped = rest.length + decoded.length;
          rest = '';
        } else rest += decoded;
        continue;
      }
      let from = 0;
      if (dropped >= 0 || rest.length) {
        // Only the line split across pieces is joined, not the whole piece.
        const firstNl = decoded.indexOf('\n');
        if (dropped >= 0 || rest.length + firstNl > MAX_LINE_CHARS) {
          overlong(Math.max(dropped, 0) + rest.length + firstNl);
          dropped = -1;
          rest = '';
        } else {
          const joined = rest + decoded.slice(0, firstNl + 1);
          lineNo += onText(joined, 0, joined.length, lineNo);
        }
        from = firstNl + 1;
      }
      if (lastNl + 1 > from) lineNo += onText(decoded, from, lastNl + 1, lineNo);
      rest = decoded.slice(lastNl + 1);
    }
  }
  if (decoder) rest += decoder.end();
  if (dropped >= 0) overlong(dropped + rest.length);
  else if (rest.length > 0) onText(rest, 0, rest.length, lineNo);
  return bytes;
}

/**
 * Bytes [start, end) of a regular file, read synchronously into one reused buffer: no wait for the
 * thread pool per read and no buffer garbage (the reader decodes each chunk before the next read).
 * Every 16 MB it yields to the event loop so timers and signal handlers still run.
 */
export async function* fileChunks(path: string, start = 0, end = Infinity): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let pos = start;
    for (let reads = 1; pos < end; reads++) {
      const got = readSync(fd, buffer, 0, Math.min(CHUNK, end - pos), pos);
      if (got === 0) break;
      pos += got;
      yield buffer.subarray(0, got);
      if (reads % 256 === 0) await new Promise(setImmediate);
    }
  } finally {
    closeSync(fd);
  }
}

/** The first byte of the first line that starts at or after byte `pos` of the file (`size` if none does). */
export function lineStartAt(fd: number, pos: number, size: number): number {
  if (pos <= 0) return 0;
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let at = pos - 1; at < size;) {
    const got = readSync(fd, buffer, 0, Math.min(CHUNK, size - at), at);
    if (got === 0) break;
    const nl = buffer.subarray(0, got).indexOf(10);
    if (nl >= 0) return at + nl + 1;
    at += got;
  }
  return size;
}

/**
 * Blocks `index`, `index + count`, … of a plain file (`bytes` each, moved to line starts: every
 * reader of the same file and block size cuts it alike) into `target`, each block's lines numbered
 * from 1; `endBlock` runs after each block (also an empty one). With `count` readers taking one
 * index each, every line is read once, and block k's reader is k % count.
 */
export async function readBlocks(target: TextTarget, path: string, blocks: { index: number; count: number; bytes: number }, endBlock: () => void): Promise<void> {
  try {
    await readBlocksOf(target, path, blocks, endBlock);
  } catch (err) {
    throw new InputError(`${path}: ${describe(err as NodeJS.ErrnoException)}`);
  }
}

async function readBlocksOf(target: TextTarget, path: string, blocks: { index: number; count: number; bytes: number }, endBlock: () => void): Promise<void> {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    for (let k = blocks.index; k * blocks.bytes < size; k += blocks.count) {
      const start = lineStartAt(fd, k * blocks.bytes, size);
      const end = lineStartAt(fd, (k + 1) * blocks.bytes, size);
      if (end > start) {
        await forEachText(fileChunks(path, start, end), (text, from, to, lineNo) => target.ingestText(text, from, to, path, lineNo), { fromFileStart: start === 0 });
      }
      endBlock();
    }
  } finally {
    closeSync(fd);
  }
}

/** Most bytes handed on at once from the ring. */
const PIPE_PIECE = 1 << 18;

/** Atomics.waitAsync (Node ≥ 16; typed only from lib es2024). */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/**
 * The bytes of a pipe, FIFO or stdin: a draining thread (pipe-drain.ts) reads them into a shared
 * ring as fast as the writer writes, and this generator hands them on while its caller parses (a
 * reading thread, or the main thread of `run`, whose pauses the ring absorbs). `onIdle` runs
 * before it waits for more (nothing left in the ring).
 */
export async function* pipeChunks(source: string, onIdle: () => void, onOpen?: () => void, started?: PipeDrain): AsyncGenerator<Buffer> {
  // A drain started before (the CLI's entry starts one for `evaluate -`) ends by itself at the end of its input.
  const own = started ? null : startPipeDrain(source);
  const drain = started ?? own!.drain;
  const bytes = new Uint8Array(drain.ring);
  const ctl = new Int32Array(drain.ctl);
  try {
    let r = 0;
    let opened = false;
    for (;;) {
      if (!opened && Atomics.load(ctl, 2) === 1) {
        opened = true;
        onOpen?.();
      }
      const filled = Atomics.load(ctl, 0);
      if (filled === 0) {
        const state = Atomics.load(ctl, 1);
        if (state === 1 && Atomics.load(ctl, 0) === 0) return;
        if (state === 2) {
          throw drainError(drain);
        }
        onIdle();
        // A reading thread blocks; the main thread (run's live FIFO) must keep its timers running.
        if (isMainThread) {
          const waited = (Atomics as unknown as AtomicsWaitAsync).waitAsync(ctl, 0, 0, 1000);
          if (waited.async) await waited.value;
        } else {
          Atomics.wait(ctl, 0, 0, 1000);
        }
        continue;
      }
      const n = Math.min(filled, bytes.length - r, PIPE_PIECE);
      const chunk = Buffer.allocUnsafe(n);
      chunk.set(bytes.subarray(r, r + n));
      r = (r + n) % bytes.length;
      Atomics.sub(ctl, 0, n);
      Atomics.notify(ctl, 0);
      yield chunk;
    }
  } finally {
    own?.stop();
  }
}

/**
 * Shared state of the reading threads that take turns cutting one live source into blocks
 * (readPipeBlocks), Int32: [the block to cut next, 1 once no block is left, 1 when one reader reads
 * it all (not plain NDJSON), the read position in the drain's ring, the block to copy next, 1 once
 * the copy failed].
 */
export function createPipeCut(): SharedArrayBuffer {
  return new SharedArrayBuffer(6 * 4);
}
const TURN = 0;
const NO_MORE = 1;
const ONE_READER = 2;
const READ_AT = 3;
const COPY_TURN = 4;
/** 1 once a write of the copy failed: no reader writes it any more. */
const COPY_FAILED = 5;

/** Whether the readers of a live source gave it all to one of them (gzip, CSV: it cannot be cut into blocks). */
export function pipeReadByOne(cut: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(cut), ONE_READER) === 1;
}

/**
 * Bytes a block of a live source holds at most, and below which its cutter first waits up to
 * LIVE_BLOCK_WAIT_MS for more: k6 writes its output in bursts (~2 MB every 100 ms at its fastest
 * here), and a block per pipe read (64 KB) would make a batch, and a turn, per 64 KB.
 */
const LIVE_BLOCK_MAX = 1 << 20;
const LIVE_BLOCK_MIN = 1 << 18;
const LIVE_BLOCK_WAIT_MS = 20;

/**
 * The next block of the drain's ring: whole lines, from the shared read position, at most
 * LIVE_BLOCK_MAX bytes; null at the end of the source. Only the reader whose turn it is calls it.
 * A line longer than a block (over 1 MB, malformed in any case) is cut in pieces, each malformed.
 */
function takeBlock(drain: PipeDrain, cut: Int32Array, scratch: Buffer): Buffer | null {
  const ring = new Uint8Array(drain.ring);
  const ctl = new Int32Array(drain.ctl);
  let deadline = -1;
  for (;;) {
    // The state before the count: once ended, the count holds every byte the source had.
    const state = Atomics.load(ctl, 1);
    const filled = Atomics.load(ctl, 0);
    if (filled === 0) {
      if (state === 1) return null;
      if (state === 2) throw drainError(drain);
      Atomics.wait(ctl, 0, 0, 1000);
      continue;
    }
    if (filled < LIVE_BLOCK_MIN && state === 0) {
      if (deadline < 0) deadline = performance.now() + LIVE_BLOCK_WAIT_MS;
      const left = deadline - performance.now();
      if (left > 0) {
        Atomics.wait(ctl, 0, filled, left);
        continue;
      }
    }
    const r = Atomics.load(cut, READ_AT);
    const n = Math.min(filled, LIVE_BLOCK_MAX);
    const block = scratch.subarray(0, n);
    const first = Math.min(n, ring.length - r);
    block.set(ring.subarray(r, r + first));
    if (n > first) block.set(ring.subarray(0, n - first), first);
    let take = block.lastIndexOf(10) + 1;
    if (take === 0) {
      // Not one whole line yet: wait for its end, unless the source ended (its last line has no
      // newline) or the line is longer than a block.
      if (state === 0 && n < LIVE_BLOCK_MAX && filled < ring.length) {
        Atomics.wait(ctl, 0, filled, 1000);
        continue;
      }
      take = n;
    }
    Atomics.store(cut, READ_AT, (r + take) % ring.length);
    Atomics.sub(ctl, 0, take);
    Atomics.notify(ctl, 0);
    return take === n ? block : block.subarray(0, take);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Waits (blocking: reading threads only) until the first byte is in, or the source ended; that byte, or -1. */
function firstByte(drain: PipeDrain): number {
  const ctl = new Int32Array(drain.ctl);
  for (;;) {
    const state = Atomics.load(ctl, 1);
    if (Atomics.load(ctl, 0) > 0) return new Uint8Array(drain.ring)[0]!;
    if (state !== 0) return -1;
    Atomics.wait(ctl, 0, 0, 1000);
  }
}

/**
 * One of `count` reading threads of a live source (a pipe, FIFO or stdin, drained into a ring by
 * `drain`): they take turns (block k is cut by reader k % count) cutting the ring into blocks at
 * line ends, and each parses its blocks into `target` while the others cut and parse theirs. Each
 * block's lines are numbered from 1; `endBlock` runs after each. A source that is not plain NDJSON
 * (gzip, CSV: its first byte is not `{`) is read whole by reader 0, the others reading nothing.
 * `copyFd`: a file (open for writing) that gets every block gzip-compressed, in order (a gzip member
 * per block, compressed beside the others; `zcat` and the evaluator read it as one stream); not
 * for a source read whole by one reader. Returns the bytes this reader parsed.
 */
export async function readPipeBlocks(
  target: TextTarget,
  source: string,
  drain: PipeDrain,
  cutBuffer: SharedArrayBuffer,
  blocks: { index: number; count: number; copyFd?: number },
  endBlock: () => void,
): Promise<number> {
  const cut = new Int32Array(cutBuffer);
  const pass = (b: number, at = TURN) => {
    Atomics.store(cut, at, b + 1);
    Atomics.notify(cut, at);
  };
  const waitTurn = (b: number, at = TURN) => {
    for (let turn = Atomics.load(cut, at); turn !== b; turn = Atomics.load(cut, at)) Atomics.wait(cut, at, turn, 1000);
  };
  let bytes = 0;
  /** One block's bytes at a time: parsed (and compressed) before the next is cut into it. */
  const scratch = Buffer.allocUnsafe(LIVE_BLOCK_MAX);
  /** A failed write of the copy: reading goes on to the end (k6 keeps its reader), then it is the error. */
  let copyError: Error | null = null;
  const end = () => {
    if (copyError !== null) throw copyError;
    return bytes;
  };
  for (let b = blocks.index; ; b += blocks.count) {
    waitTurn(b);
    if (Atomics.load(cut, NO_MORE) === 1) {
      pass(b);
      return end();
    }
    let block: Buffer | null;
    try {
      if (b === 0 && firstByte(drain) !== 0x7b && firstByte(drain) !== -1) {
        if (blocks.copyFd !== undefined) throw new Error('not NDJSON (its first byte is not "{"): cannot be copied block by block');
        Atomics.store(cut, ONE_READER, 1);
        Atomics.store(cut, NO_MORE, 1);
        pass(b);
        await readSource(target, source, drain);
        return bytes;
      }
      block = takeBlock(drain, cut, scratch);
    } catch (err) {
      Atomics.store(cut, NO_MORE, 1);
      pass(b);
      throw new InputError(`${source}: ${describe(err as NodeJS.ErrnoException)}`);
    }
    if (block === null) Atomics.store(cut, NO_MORE, 1);
    pass(b); // the next reader cuts while this one parses
    if (block === null) return end();
    bytes += block.length;
    if (blocks.copyFd !== undefined) {
      // Every block takes its copy turn, also once the copy failed (the turns stay in step).
      const member = Atomics.load(cut, COPY_FAILED) === 0 ? gzipSync(block) : null;
      waitTurn(b, COPY_TURN);
      try {
        if (member !== null && Atomics.load(cut, COPY_FAILED) === 0) writeAll(blocks.copyFd, member);
      } catch (err) {
        // Said by the copy's owner, who knows its path (run/k6-stream.ts).
        Atomics.store(cut, COPY_FAILED, 1);
        const code = (err as NodeJS.ErrnoException).code;
        copyError = Object.assign(new Error(`writing the copy of ${source}: ${code ?? (err as Error).message}`), { code, copyFailed: true });
      }
      pass(b, COPY_TURN);
    }
    await forEachText([block], (text, start, end, lineNo) => target.ingestText(text, start, end, source, lineNo), { fromFileStart: b === 0 });
    endBlock();
  }
}

/** A live byte stream read by pipeChunks, with gzip undone. */
async function openPipe(source: string, onIdle: () => void, drain?: PipeDrain): Promise<{ stream: AsyncIterable<Buffer>; gzip: boolean }> {
  const chunks = pipeChunks(source, onIdle, undefined, drain);
  const first = await chunks.next();
  if (first.done) return { stream: chunks, gzip: false };
  async function* all(): AsyncGenerator<Buffer> {
    yield first.value as Buffer;
    yield* chunks;
  }
  if (!isGzipHead(first.value as Buffer)) return { stream: all(), gzip: false };
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const raw = Readable.from(all(), { objectMode: false });
  raw.pipe(gunzip);
  raw.on('error', (err) => gunzip.destroy(err));
  return { stream: gunzip, gzip: true };
}

/** Whether `source` is live: stdin ("-"), a FIFO or another non-file (read by pipeChunks on a reading thread). */
export async function isLiveSource(source: string): Promise<boolean> {
  if (source === '-') return true;
  try {
    const st = await stat(source);
    return st.isFIFO() || st.isCharacterDevice() || st.isSocket();
  } catch {
    return false;
  }
}

/** Whether bytes start with gzip's magic number (compression is known by content, not name). */
function isGzipHead(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether the regular file at `path` is gzip-compressed. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return isGzipHead(head.subarray(0, readSync(fd, head, 0, 2, 0)));
  } finally {
    closeSync(fd);
  }
}

/** The byte stream of `source` with gzip undone; `gzip` tells whether it was compressed. */
async function openSource(source: string, regularFile: boolean): Promise<{ stream: AsyncIterable<Buffer>; gzip: boolean }> {
  if (regularFile && !isGzipFile(source)) return { stream: fileChunks(source), gzip: false };
  const raw: Readable = source === '-' ? process.stdin : createReadStream(source, { highWaterMark: CHUNK });
  // Peek the first two bytes for gzip's magic number, then put them back.
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => {
      const b = (raw.read(2) as Buffer | null) ?? (raw.readableEnded ? null : undefined);
      if (b === undefined) return;
      cleanup();
      resolve(b);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      raw.off('readable', onReadable);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    raw.on('readable', onReadable);
    raw.on('end', onEnd);
    raw.on('error', onError);
  });
  if (first === null) return { stream: raw, gzip: false };
  raw.unshift(first);
  if (isGzipHead(first)) {
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
    raw.pipe(gunzip);
    raw.on('error', (err) => gunzip.destroy(err));
    return { stream: gunzip, gzip: true };
  }
  return { stream: raw, gzip: false };
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'is a directory';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) return 'gzip data ends early (truncated file)';
  if (err.code?.startsWith('Z_')) return `gzip data is corrupt (${err.message})`;
  return err.message;
}

/**
 * Reads one source completely into `ev`. Unreadable input is an InputError (exit 3). `drain`: a
 * live source's draining thread, already started (pipe-drain.ts).
 */
export async function readSource(ev: TextTarget, source: string, drain?: PipeDrain): Promise<void> {
  let bytes = 0;
  try {
    let fileBytes: number | null = null;
    if (source !== '-') {
      const st = await stat(source);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      // A FIFO's size is 0: count what streams through instead.
      if (st.isFile()) fileBytes = st.size;
    }
    // On a reading thread (or with a drain already running) a live source is read through the
    // draining thread's ring; otherwise the main thread streams it.
    const { stream, gzip } = fileBytes === null && (drain || !isMainThread) ? await openPipe(source, () => ev.idle?.(), drain) : await openSource(source, fileBytes !== null);
    ev.describeSource(source, { gzip });
    const streamed = await forEachText(stream, (text, start, end, lineNo) => ev.ingestText(text, start, end, source, lineNo));
    bytes = fileBytes ?? streamed;
  } catch (err) {
    throw new InputError(`${source}: ${describe(err as NodeJS.ErrnoException)}`);
  }
  ev.describeSource(source, { bytes });
}

/**
 * Refuses an input given twice — the same path, or another path to the same file (a symlink, a hard
 * link, `./x` and `x`: same device and inode), or stdin twice: every sample would count twice and
 * no figure would say so. A path that cannot be read is left to the reader's own error.
 */
export async function refuseRepeatedInputs(paths: readonly string[], what: 'input' | 'state' = 'input'): Promise<void> {
  const seen = new Map<string, string>();
  for (const path of paths) {
    let id: string;
    if (path === '-') id = 'stdin';
    else {
      const st = await stat(path, { bigint: true }).catch(() => null);
      if (st === null) continue;
      id = `${st.dev}:${st.ino}`;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      const same = first === path ? 'given twice' : `the same file as ${first}`;
      throw new UsageError(`${what} ${path} is ${same}: its samples would count twice; give each ${what} once`);
    }
    seen.set(id, path);
  }
}
