// The input formats, one reader each; adding a format adds one line here (and its name to
// model/input-formats.ts, which the report schema and the CLI's `--format` choices read).
// Detection tries them in this order.
import type { InputFormat } from '../../model/input-formats.js';
import { csvFormat } from './csv.js';
import { locustCsvFormat } from './locust-csv.js';
import { ndjsonFormat } from './ndjson.js';
import { overlongLineReason, type LineReader, type ReaderFormat, type SampleSink } from './types.js';

export type { InputFormat };

export const readerFormats = {
  ndjson: ndjsonFormat,
  csv: csvFormat,
  'locust-csv': locustCsvFormat,
} satisfies Record<InputFormat, ReaderFormat>;

export function detectFormat(firstLine: string): InputFormat | null {
  for (const [name, format] of Object.entries(readerFormats)) {
    if (format.detect(firstLine)) return name as InputFormat;
  }
  return null;
}

/** What a first line that no format detects is reported as: "neither k6 NDJSON nor k6 CSV". */
const UNDETECTED = `neither ${Object.values(readerFormats)
  .map((f: ReaderFormat) => f.label)
  .join(' nor ')}`;

/**
 * Locust's `_stats.csv` has one row per name for the whole run (its history file is read by
 * locust-csv.ts): no time, so no window, phase or recovery; refused with the reason and the ways
 * to get something to judge.
 */
const LOCUST_CSV = /^Type,Name,Request Count,/;
export const LOCUST_CSV_REASON =
  "Locust's _stats.csv holds one row per name for the whole run (no times): nothing to judge windows, phases or percentiles from. " +
  "Evaluate its _stats_history.csv (an approximation; record with --csv-full-history) or, exactly, every request with chaosgate's Locust plugin " +
  '(locust -f locustfile.py,chaosgate_locust.py, CHAOSGATE_LOCUST_OUT=samples.ndjson) or `chaosgate run` (docs/locust.md)';

/**
 * Reads the lines of one source into a sink: the first non-empty line picks the format (unless
 * one is given), then that format's reader reads every line. Used by the Evaluation and by a
 * worker thread's Scanner alike.
 */
export class SourceReader {
  private reader: LineReader | null = null;
  /** The line of Locust's own CSV header, when the input starts with one (refused: LOCUST_CSV_REASON); else 0. */
  private locustCsvLine = 0;

  constructor(
    private readonly sink: SampleSink,
    private readonly format: InputFormat | undefined,
    private readonly onFormat: (format: InputFormat) => void,
  ) {}

  /** One line (its newline removed; a CR before it is dropped here). */
  readLine(line: string, lineNo: number): void {
    if (this.reader === null) {
      const trimmed = line.trim();
      if (trimmed === '') return;
      const format = this.format ?? detectFormat(trimmed);
      if (format === null) {
        const header = this.locustCsvLine === 0 && LOCUST_CSV.test(trimmed);
        if (header) this.locustCsvLine = lineNo;
        this.sink.malformed(lineNo, header ? LOCUST_CSV_REASON : this.locustCsvLine ? `Locust's --csv stats (see line ${this.locustCsvLine})` : UNDETECTED);
        return;
      }
      this.onFormat(format);
      this.reader = readerFormats[format].create(this.sink);
    }
    this.reader.read(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo);
  }

  /**
   * The complete lines in text[start, end), the first being line `firstLineNo`; returns how many
   * lines that was. Once the format is known the reader scans in place when it can.
   */
  readText(text: string, start: number, end: number, firstLineNo: number): number {
    const overlong = overlongLineReason(text, start);
    if (overlong !== null) {
      this.sink.malformed(firstLineNo, overlong);
      return 1;
    }
    let lineNo = firstLineNo;
    let pos = start;
    while (pos < end && (this.reader === null || !this.reader.readText)) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl > end) nl = end;
      this.readLine(text.slice(pos, nl), lineNo++);
      pos = nl + 1;
    }
    if (pos < end) lineNo += this.reader!.readText!(text, pos, end, lineNo);
    return lineNo - firstLineNo;
  }
}
