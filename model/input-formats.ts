// The names of the input formats the evaluator reads. They live here, not beside the readers, because
// the report model records each input's format and model/ imports no evaluator: the readers'
// registry (evaluator/readers/index.ts) must have exactly one reader per name (a type error
// otherwise), and the CLI's `--format` choices and the report schema take them from here.
export const INPUT_FORMATS = ['ndjson', 'csv'] as const;

export type InputFormat = (typeof INPUT_FORMATS)[number];
