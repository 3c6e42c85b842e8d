// The names of the input formats the evaluator reads. They live here, not beside the readers, because
// the report model records each input's format and model/ imports no evaluator: the readers'
// registry (evaluator/readers/index.ts) must have exactly one reader per name (a type error
// otherwise), and the CLI's `--format` choices and the report schema take them from here.
export const INPUT_FORMATS = ['ndjson', 'csv', 'locust-csv'] as const;

export type InputFormat = (typeof INPUT_FORMATS)[number];

/**
 * The line every report and writer shows when an input was Locust's `--csv` stats history: its
 * figures are an approximation (docs/locust.md), not judged from samples. Null for sample inputs.
 */
export function approximationLabel(inputs: ReadonlyArray<{ source: string; format: InputFormat }>): string | null {
  const locust = inputs.filter((i) => i.format === 'locust-csv').map((i) => i.source);
  if (locust.length === 0) return null;
  return (
    `Evaluated from Locust's CSV stats history (${locust.join(', ')}): an approximation, not samples. ` +
    "Requests and failures per second and name are exact up to the file's last row (http_reqs, http_req_failed; Locust writes no row when it stops, so up to its last second is missing: a gate that holds on them is a warn, except a count > or >=); " +
    'http_req_duration has no samples (its gates cannot be shown to hold); ' +
    "Locust's rolling percentiles are locust_csv_p50 … locust_csv_p100, whose gates are at best warn, never pass"
  );
}
