// k6 CSV (`--out csv=…`): a header `metric_name,timestamp,metric_value,<tag columns…>,extra_tags,
// metadata`; empty tag cells are absent tags; extra_tags is `k=v&k=v`. CSV declares no metric
// kinds: built-ins are known, others come from `evaluate.metricTypes`.
import type { LineReader, ReaderFormat, SampleSink } from './types.js';
import { valueProblem } from './types.js';
import { parseCsvTime } from './time.js';

/** Splits one CSV record (RFC 4180 quoting); null when quotes do not balance. */
export function splitCsv(line: string): string[] | null {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        cell += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(cell);
      if (i === line.length) return out;
      if (line.charCodeAt(i) !== 44) return null;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

export const csvFormat: ReaderFormat = {
  label: 'k6 CSV',
  doc: "k6's `--out csv=FILE` (`.gz` too); detected by the header line `metric_name,…`",
  detect: (first) => first.startsWith('metric_name,'),
  create(sink: SampleSink): LineReader {
    let header: string[] | null = null;
    let tagColumns: Array<[number, string]> = [];
    let extraIdx = -1;
    return {
      read(line, lineNo) {
        if (line.length === 0) return;
        if (header === null) {
          header = line.split(',');
          if (header[0] !== 'metric_name' || header[1] !== 'timestamp' || header[2] !== 'metric_value') {
            sink.malformed(lineNo, 'CSV header does not start with metric_name,timestamp,metric_value');
            header = null;
            return;
          }
          extraIdx = header.indexOf('extra_tags');
          tagColumns = header.map((name, idx) => [idx, name] as [number, string]).filter(([idx, name]) => idx > 2 && name !== 'extra_tags' && name !== 'metadata');
          return;
        }
        const cells = splitCsv(line);
        if (cells === null || cells.length !== header.length) {
          sink.malformed(lineNo, `expected ${header.length} CSV fields, found ${cells?.length ?? 'unbalanced quotes'}`);
          return;
        }
        const metric = cells[0]!;
        if (metric === '') return sink.malformed(lineNo, 'empty metric_name');
        const time = parseCsvTime(cells[1]!);
        if (Number.isNaN(time)) return sink.malformed(lineNo, `timestamp "${cells[1]}" is not a k6 CSV time`);
        const valueText = cells[2]!;
        const value = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(valueText) ? Number(valueText) : Number.NaN;
        const problem = Number.isNaN(value) ? `metric_value "${valueText}" is not a number` : valueProblem(value);
        if (problem) return sink.malformed(lineNo, problem);
        const tags: Record<string, string> = {};
        for (const [idx, name] of tagColumns) {
          const v = cells[idx]!;
          if (v !== '') tags[name] = v;
        }
        if (extraIdx >= 0 && cells[extraIdx]) {
          for (const pair of cells[extraIdx]!.split('&')) {
            const eq = pair.indexOf('=');
            if (eq > 0) tags[pair.slice(0, eq)] = pair.slice(eq + 1);
          }
        }
        sink.point(metric, time, value, null, tags, lineNo);
      },
    };
  },
};
