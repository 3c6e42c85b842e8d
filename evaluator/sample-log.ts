// Samples that do not come from k6 (queue probes, the drain check) written as k6 NDJSON lines, so
// `evaluate` can read them back beside k6's output and see what `run` saw.
import { appendFileSync } from 'node:fs';
import type { Sample } from './evaluation.js';

export class SampleLog {
  private readonly declared = new Set<string>();

  constructor(readonly path: string) {}

  /** Appends the sample (and, the first time, its metric's declaration) synchronously. */
  write(s: Sample): void {
    let text = '';
    if (s.type !== undefined && !this.declared.has(s.metric)) {
      this.declared.add(s.metric);
      const data = { name: s.metric, type: s.type, contains: 'default', thresholds: [], submetrics: null };
      text += `${JSON.stringify({ type: 'Metric', data, metric: s.metric })}\n`;
    }
    const point = { type: 'Point', data: { time: new Date(s.time).toISOString(), value: s.value, tags: s.tags ?? null }, metric: s.metric };
    text += `${JSON.stringify(point)}\n`;
    appendFileSync(this.path, text);
  }
}
