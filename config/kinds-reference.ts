// The kinds reference (docs/reference/kinds.md) rendered from the registries themselves — gate
// aggregates, derived metrics, queue probe kinds, input formats — so a new entry is documented by
// being registered: a test compares the file with this output.
import { aggregates, aggregateSyntax, type AggregateDef } from '../evaluator/aggregates.js';
import { derivedMetrics, type DerivedMetric } from '../evaluator/derived-metrics.js';
import { readerFormats } from '../evaluator/readers/index.js';
import type { ReaderFormat } from '../evaluator/readers/types.js';
import { probeKinds } from '../probes/registry.js';
import type { ProbeDescriptor } from '../probes/types.js';
import { markdownCell } from './reference.js';

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`)];
}

export function renderKindsReference(): string {
  const aggregateRows = (Object.values(aggregates) as AggregateDef[]).map((a) => [`\`${aggregateSyntax(a)}\``, a.appliesTo.join(', '), a.doc]);
  const derivedRows = (Object.entries(derivedMetrics) as Array<[string, DerivedMetric]>).map(([name, d]) => [
    `\`${name}\``,
    d.sources.map((s) => `\`${s}\``).join(', '),
    d.doc,
    d.example,
  ]);
  const probeRows = (probeKinds as readonly ProbeDescriptor[]).map((p) => [
    `\`${p.kind}\``,
    p.reads,
    Object.entries(p.metrics)
      .map(([metric, meaning]) => `\`${metric}\` = ${meaning}`)
      .join(', '),
  ]);
  const formatRows = (Object.entries(readerFormats) as Array<[string, ReaderFormat]>).map(([name, f]) => [`\`${name}\``, f.label, f.doc]);
  return [
    '# Kinds reference',
    '',
    '<!-- Generated from the registries by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'What a gate, a probe and an input can be. Each table is its registry: an entry there is a row here.',
    '',
    '## Gate aggregates',
    '',
    "The left side of a gate's `expression` (`p(95)<500`, k6's threshold grammar): `evaluator/aggregates.ts`.",
    '',
    ...table(['aggregate', 'k6 allows it on', 'figure'], aggregateRows),
    '',
    '## Derived metrics',
    '',
    'Metrics no sample carries, gated like any other (tag filters, phases, windows, baselines); every',
    'aggregate reads the same figure: `evaluator/derived-metrics.ts`.',
    '',
    ...table(['metric', 'computed from', 'figure', 'gate'], derivedRows),
    '',
    '## Queue probe kinds',
    '',
    'The `kind` of a `probes.list[]` entry (fields: docs/reference/config.md; sampling: docs/probes.md):',
    '`probes/registry.ts`. Every probe also emits `probe_errors`.',
    '',
    ...table(['kind', 'reads', 'metrics'], probeRows),
    '',
    '## Input formats',
    '',
    '`evaluate --format` (detected from the first line when omitted, in this order): `evaluator/readers/index.ts`.',
    '',
    ...table(['format', 'name', 'input'], formatRows),
    '',
  ].join('\n');
}
