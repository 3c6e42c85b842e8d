// A reader turns one line of a k6 output format into calls on a sink. One file per format,
// registered in readers/index.ts.

/** Where readers put what they read; the evaluation implements it. */
export interface SampleSink {
  /**
   * A sample. `tagsRaw` is the tags' JSON text as it stood in the line (a cache key that saves
   * parsing identical tag sets again); `tags` is given when already parsed.
   */
  point(metric: string, time: number, value: number, tagsRaw: string | null, tags: Record<string, string> | null, line: number): void;
  /** A metric declaration (k6's Metric line). */
  declare(metric: string, kind: string, isTime: boolean, thresholds: string[], line: number): void;
  /** A line that could not be read; counted against the tolerance. */
  malformed(line: number, reason: string): void;
  /** Something the report must say about this input, at its line (once per input and text). */
  note?(line: number, text: string): void;
}

/** A cache key for a point's tag set: its JSON text as read, or the parsed tags as JSON. */
export function tagsKey(tagsRaw: string | null, tags: Record<string, string> | null): string {
  return tagsRaw ?? (tags === null ? 'null' : JSON.stringify(tags));
}

export interface LineReader {
  /** Reads one line (without its newline). Line numbers start at 1. */
  read(line: string, lineNo: number): void;
  /**
   * Optional fast path: reads every line of text[start, end) (each ends with a newline; a final
   * line of a stream may not) without slicing lines. Returns the number of lines read.
   */
  readText?(text: string, start: number, end: number, firstLineNo: number): number;
}

export interface ReaderFormat {
  /** How an error names it ("k6 NDJSON"). */
  label: string;
  /** Its line in the reference: what writes it, how it is detected. */
  doc: string;
  /** Does this first non-empty line look like this format? */
  detect(firstLine: string): boolean;
  create(sink: SampleSink): LineReader;
}

/**
 * Why a value cannot be a sample, or null when it can: k6 takes any float64, negative and large
 * ones too (a Gauge below 0, a Counter of 2e12); only non-finite numbers are refused.
 */
export function valueProblem(value: number): string | null {
  if (!Number.isFinite(value)) return `value ${value} is not a finite number`;
  return null;
}

/**
 * The longest line read, in characters: 1 MiB. k6 writes lines under 4 KB (a long URL tag makes a
 * few KB); a longer line is not k6 output, and buffering it whole would cost its size several
 * times over (a 50 MB line cost ~600 MB RSS). Longer lines are skipped without being buffered and
 * reported as malformed at their line.
 */
export const MAX_LINE_CHARS = 1 << 20;

/** What the stream reader hands on in place of a line longer than MAX_LINE_CHARS (a NUL starts no k6 line). */
const OVERLONG_MARK = '\u0000chaosgate:overlong-line:';

export function overlongLineText(chars: number): string {
  return OVERLONG_MARK + chars;
}

/** The reason to report for `text[start…]` when it is an overlong line's stand-in, else null. */
export function overlongLineReason(text: string, start: number): string | null {
  if (text.charCodeAt(start) !== 0 || !text.startsWith(OVERLONG_MARK, start)) return null;
  const chars = parseInt(text.slice(start + OVERLONG_MARK.length), 10);
  return `line longer than 1 MiB (${chars} characters; k6 writes lines under 4 KB): not read`;
}
