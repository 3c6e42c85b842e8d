// Streams files, gzip files, stdin ("-") and FIFOs into an evaluation, line by line.
// Gzip is recognised by its magic bytes, not the file name.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { InputError } from '../lib/errors.js';
import type { Evaluation } from './evaluation.js';

const CHUNK = 1 << 20;

/** Feeds `stream` to `onLine`; returns the (decompressed) byte count. A last line without newline still counts. */
export async function forEachLine(stream: AsyncIterable<Buffer>, onLine: (line: string, lineNo: number) => void): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      onLine(text.slice(start, nl), ++lineNo);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) onLine(rest, ++lineNo);
  return bytes;
}

/** The byte stream of `source` with gzip undone; `gzip` tells whether it was compressed. */
async function openSource(source: string): Promise<{ stream: Readable; gzip: boolean }> {
  const raw: Readable = source === '-' ? process.stdin : createReadStream(source, { highWaterMark: CHUNK });
  // Peek the first two bytes for gzip's magic number, then put them back.
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => {
      const b = raw.read(2) as Buffer | null ?? (raw.readableEnded ? null : undefined);
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
  if (first.length === 2 && first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: CHUNK });
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

/** Reads one source completely into `ev`. Unreadable input is an InputError (exit 3). */
export async function readSource(ev: Evaluation, source: string): Promise<void> {
  let bytes = 0;
  try {
    let fileBytes: number | null = null;
    if (source !== '-') {
      const st = await stat(source);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      // A FIFO's size is 0: count what streams through instead.
      if (st.isFile()) fileBytes = st.size;
    }
    const { stream, gzip } = await openSource(source);
    ev.describeSource(source, { gzip });
    const streamed = await forEachLine(stream, (line, lineNo) => ev.ingestLine(line, source, lineNo));
    bytes = fileBytes ?? streamed;
  } catch (err) {
    throw new InputError(`${source}: ${describe(err as NodeJS.ErrnoException)}`);
  }
  ev.describeSource(source, { bytes });
}
