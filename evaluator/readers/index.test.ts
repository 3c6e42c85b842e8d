// The readers' registry and the format names in model/ are one list: the report schema, the CLI's
// `--format` choices and detection all follow from them.
import { describe, expect, it } from 'vitest';
import { INPUT_FORMATS } from '../../model/input-formats.js';
import { inputSummarySchema } from '../../model/report.js';
import { detectFormat, LOCUST_CSV_REASON, readerFormats, SourceReader } from './index.js';
import type { SampleSink } from './types.js';

describe('input format registry', () => {
  it('has one reader per format name, and the report schema accepts exactly those names', () => {
    expect(Object.keys(readerFormats).sort()).toEqual([...INPUT_FORMATS].sort());
    expect(inputSummarySchema.shape.format.options).toEqual([...INPUT_FORMATS]);
  });

  it('detects each format by its first line, and names them all when none fits', () => {
    expect(detectFormat('{"type":"Metric","metric":"vus"}')).toBe('ndjson');
    expect(detectFormat('metric_name,timestamp,metric_value')).toBe('csv');
    expect(detectFormat('\u0000garbage')).toBeNull();
    const problems: string[] = [];
    const sink: SampleSink = { point() {}, declare() {}, malformed: (line, reason) => problems.push(`${line}: ${reason}`) };
    new SourceReader(sink, undefined, () => {}).readLine('garbage', 1);
    expect(problems).toEqual(["1: neither k6 NDJSON nor k6 CSV nor Locust's --csv stats history"]);
  });

  it("refuses Locust's _stats.csv (one row per name, no times) with the reason; its history file is a format of its own", () => {
    const problems: string[] = [];
    const sink: SampleSink = { point() {}, declare() {}, malformed: (line, reason) => problems.push(`${line}: ${reason}`) };
    const reader = new SourceReader(sink, undefined, () => {});
    reader.readLine('', 1);
    reader.readLine('Type,Name,Request Count,Failure Count,Median Response Time', 2);
    reader.readLine('GET,/a,10,0,3', 3);
    expect(problems).toEqual([`2: ${LOCUST_CSV_REASON}`, "3: Locust's --csv stats (see line 2)"]);
    expect(LOCUST_CSV_REASON).toContain('_stats_history.csv');
    expect(detectFormat('Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%')).toBe('locust-csv');
  });
});
