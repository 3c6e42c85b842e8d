// Locust's `--csv PREFIX` stats history (`PREFIX_stats_history.csv`), read as an approximation.
// Locust 2.47 (stats.py StatsCSVFileWriter) appends, once a second, a row per name (only with
// --csv-full-history) and an 'Aggregated' row: the cumulative `Total Request Count` and
// `Total Failure Count`, and percentile columns that are over Locust's last ~10 s with
// --csv-full-history (`use_current=self.full_history`: get_current_response_time_percentile, a
// window of 2 to 18 s ending now, 0 when none is cached yet) and since the start without it.
// What can be read exactly is the requests and failures per second and name (differences of the
// totals): `http_reqs` and `http_req_failed`. The rolling percentiles are no samples and cannot
// be combined into a window's percentile; they become `locust_csv_p95` etc. (one metric per
// column), which a gate judges as an approximation that never passes (evaluator/gates.ts).
import { locustCsvMetric } from '../../model/k6-metrics.js';
import { splitCsv } from './csv.js';
import type { LineReader, ReaderFormat, SampleSink } from './types.js';

const HEADER_START = 'Timestamp,User Count,Type,Name,';
const REQUIRED = ['Timestamp', 'Type', 'Name', 'Total Request Count', 'Total Failure Count'] as const;
/** Locust's percentile column names: "50%", "99.9%", "100%". */
const PERCENTILE_COLUMN = /^(\d+(?:\.\d+)?)%$/;
const COUNT = /^\d+$/;

interface Totals {
  requests: number;
  failures: number;
}

/** What a gate on http_req_duration says when judged from Locust's CSV history (it has no samples). */
export const LOCUST_CSV_NO_DURATIONS =
  `Locust's CSV stats history holds no request durations, and a run's or window's percentile cannot be computed from its per-second rolling percentiles: ` +
  `gate on ${locustCsvMetric('95')} (or another percentile's) for the approximation, which fails or warns but never passes`;

/** What a gate that holds on Locust's CSV history says (a warn): the file misses Locust's last second. */
export const LOCUST_CSV_MISSING_TAIL =
  `from Locust's CSV stats history, which misses Locust's last second (it writes no row when it stops), so a figure that holds here could fail on Locust's full counts: ` +
  `a warn, never a pass (only a count > or >= that holds is a pass: more requests only raise it)`;

/** Why a row's totals cannot follow the previous row's of its name, or null. */
function jumpProblem(what: string, prev: Totals, now: Totals): string | null {
  if (now.requests < prev.requests || now.failures < prev.failures) {
    return `totals of ${what} fell (${prev.requests} → ${now.requests} requests): Locust reset its stats (--reset-stats?), so the counts before and after cannot be joined`;
  }
  const requests = now.requests - prev.requests;
  const failures = now.failures - prev.failures;
  if (failures > requests) return `${what}: ${failures} failures but ${requests} requests since its previous row (Locust counts a failure as a request too)`;
  return null;
}

export const locustCsvFormat: ReaderFormat = {
  label: "Locust's --csv stats history",
  doc: "Locust's `--csv PREFIX` file `PREFIX_stats_history.csv` (an approximation: counts per second and name exact, percentiles only as `locust_csv_p50` … `locust_csv_p100`; docs/locust.md); detected by the header line `Timestamp,User Count,Type,Name,…`",
  detect: (first) => first.startsWith(HEADER_START),
  create(sink: SampleSink): LineReader {
    type Columns = Record<(typeof REQUIRED)[number], number>;
    let col: Columns | null = null;
    /** Column index, percentile ("99.9") and its metric. */
    let percentiles: Array<[number, string, string]> = [];
    let width = 0;
    const last = new Map<string, Totals>();
    /** Per-name rows seen (a --csv-full-history file); counts then come from them, not from 'Aggregated'. */
    let perName = false;
    /** Requests counted from 'Aggregated' rows while no per-name row had come. */
    let aggregateOnlyRequests = 0;
    let aggregateOnlyNoted = false;
    let aggregated: Totals = { requests: 0, failures: 0 };

    function emit(time: number, prev: Totals, now: Totals, tags: Record<string, string> | null, lineNo: number): void {
      const requests = now.requests - prev.requests;
      const failures = now.failures - prev.failures;
      if (requests > 0) sink.point('http_reqs', time, requests, null, tags, lineNo);
      // A failed request is also a request in Locust's counts (StatsEntry.log and log_error both run).
      for (let i = 0; i < failures; i++) sink.point('http_req_failed', time, 1, null, tags, lineNo);
      for (let i = failures; i < requests; i++) sink.point('http_req_failed', time, 0, null, tags, lineNo);
    }

    return {
      read(line, lineNo) {
        if (line.length === 0) return;
        if (col === null) {
          const header = splitCsv(line) ?? [];
          const missing = REQUIRED.filter((c) => !header.includes(c));
          if (!line.startsWith(HEADER_START) || missing.length) {
            sink.malformed(lineNo, `not Locust's stats history header (missing ${missing.join(', ') || 'Timestamp,User Count,Type,Name first'})`);
            return;
          }
          col = Object.fromEntries(REQUIRED.map((c) => [c, header.indexOf(c)])) as Columns;
          percentiles = header.flatMap((name, idx) => {
            const m = PERCENTILE_COLUMN.exec(name);
            return m ? [[idx, m[1]!, locustCsvMetric(m[1]!)] as [number, string, string]] : [];
          });
          width = header.length;
          sink.declare('http_reqs', 'counter', false, [], lineNo);
          sink.declare('http_req_failed', 'rate', false, [], lineNo);
          for (const [, percentile] of percentiles) sink.declare(locustCsvMetric(percentile), 'trend', true, [], lineNo);
          return;
        }
        const cells = splitCsv(line);
        if (cells === null || cells.length !== width) {
          sink.malformed(lineNo, `expected ${width} CSV fields (the header's), found ${cells?.length ?? 'unbalanced quotes'}`);
          return;
        }
        const ts = cells[col.Timestamp]!;
        const reqText = cells[col['Total Request Count']]!;
        const failText = cells[col['Total Failure Count']]!;
        if (!COUNT.test(ts)) return sink.malformed(lineNo, `Timestamp "${ts}" is not Locust's whole seconds since the epoch`);
        if (!COUNT.test(reqText) || !COUNT.test(failText)) return sink.malformed(lineNo, `Total Request Count "${reqText}" / Total Failure Count "${failText}" are not counts`);
        const now: Totals = { requests: Number(reqText), failures: Number(failText) };
        if (now.failures > now.requests) return sink.malformed(lineNo, `Total Failure Count ${now.failures} exceeds Total Request Count ${now.requests}`);
        const time = Number(ts) * 1000;
        const type = cells[col.Type]!;
        const name = cells[col.Name]!;
        if (type === '' && name === 'Aggregated') {
          const jump = jumpProblem('Aggregated', aggregated, now);
          if (jump) return sink.malformed(lineNo, jump);
          if (perName) {
            // The per-name rows of the same second precede it and are one snapshot: they must add up.
            let requests = 0;
            let failures = 0;
            for (const t of last.values()) {
              requests += t.requests;
              failures += t.failures;
            }
            if (requests !== now.requests || failures !== now.failures) {
              return sink.malformed(
                lineNo,
                `Aggregated totals (${now.requests} requests, ${now.failures} failures) differ from the sum of the names' rows (${requests}, ${failures})`,
              );
            }
          } else {
            if (!aggregateOnlyNoted && now.requests > 0) {
              aggregateOnlyNoted = true;
              sink.note?.(
                lineNo,
                "Locust's history without --csv-full-history (only 'Aggregated' rows): requests and failures are read per second, not per name; its percentiles are since the start of the run and are not read (record with --csv-full-history for Locust's rolling percentiles per name)",
              );
            }
            emit(time, aggregated, now, null, lineNo);
            aggregateOnlyRequests = now.requests;
          }
          aggregated = now;
          return;
        }
        if (!perName && aggregateOnlyRequests > 0) {
          return sink.malformed(lineNo, `a per-name row after 'Aggregated' rows had counted ${aggregateOnlyRequests} requests: not one Locust history file`);
        }
        perName = true;
        const key = `${type}\u0000${name}`;
        const prev = last.get(key) ?? { requests: 0, failures: 0 };
        const jump = jumpProblem(`${type} ${name}`, prev, now);
        if (jump) return sink.malformed(lineNo, jump);
        const figures: Array<[string, number]> = [];
        for (const [idx, percentile, metric] of percentiles) {
          const v = cells[idx]!;
          // "N/A": no request yet; 0: Locust had no cached second ~10 s back to diff against (the
          // run's first seconds) — no figure either (a sub-0.5 ms percentile reads 0 too and is lost).
          if (v === 'N/A' || v === '0') continue;
          if (!COUNT.test(v)) return sink.malformed(lineNo, `${percentile}% "${v}" is not Locust's whole milliseconds`);
          figures.push([metric, Number(v)]);
        }
        last.set(key, now);
        const tags = { method: type, name };
        emit(time, prev, now, tags, lineNo);
        for (const [metric, v] of figures) sink.point(metric, time, v, null, tags, lineNo);
      },
    };
  },
};
