// The input formats, one reader each; adding a format adds one line here.
import { csvFormat } from './csv.js';
import { ndjsonFormat } from './ndjson.js';
import type { ReaderFormat } from './types.js';

export const readerFormats = {
  ndjson: ndjsonFormat,
  csv: csvFormat,
} satisfies Record<string, ReaderFormat>;

export type InputFormat = keyof typeof readerFormats;

export function detectFormat(firstLine: string): InputFormat | null {
  for (const [name, format] of Object.entries(readerFormats)) {
    if (format.detect(firstLine)) return name as InputFormat;
  }
  return null;
}
