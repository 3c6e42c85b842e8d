// `node bench/run.mjs ndjson-reader FILE… [--rounds 6]`
//
// The NDJSON reader alone (readers/ndjson.ts, fast path included; no threads, no histograms) on
// whole k6 output files held in memory: CPU per line, medians of alternating rounds. Tells a cost
// of the data's shape (times, tags, values) apart from the cost of the pipeline around the reader
// (docs/benchmarks.md, "Live input": k6's fastest live output vs output of HTTP requests).
import { readFileSync } from 'node:fs';
import { NdjsonReader } from '../evaluator/readers/ndjson.js';
import type { SampleSink } from '../evaluator/readers/types.js';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 6;
if (args.length === 0 || !(rounds > 0)) {
  console.error('usage: node bench/run.mjs ndjson-reader FILE… [--rounds N]');
  process.exit(2);
}
let points = 0;
let checksum = 0;
const sink: SampleSink = {
  point: (_metric, time, value) => {
    points++;
    checksum += time + value;
  },
  declare: () => {},
  malformed: () => {},
};
const files = args.map((path) => {
  const text = readFileSync(path, 'latin1'); // as forEachText decodes ASCII input
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { path, text, lines, us: [] as number[], strict: 0 };
});
// Round 0 warms the JIT up and is not counted.
for (let round = 0; round <= rounds; round++) {
  for (const f of files) {
    const reader = new NdjsonReader(sink);
    const t0 = performance.now();
    reader.readText(f.text, 0, f.text.length, 1);
    const us = ((performance.now() - t0) * 1000) / f.lines;
    f.strict = reader.strictLines;
    if (round > 0) f.us.push(us);
  }
}
for (const f of files) {
  const sorted = [...f.us].sort((a, b) => a - b);
  console.log(
    `${f.path}: ${f.lines} lines, ${sorted[sorted.length >> 1]!.toFixed(3)} µs/line (median of ${rounds}; ${sorted.map((u) => u.toFixed(3)).join(' ')}), ${f.strict} lines by JSON.parse`,
  );
}
console.log(`(${points} points read; checksum ${checksum.toPrecision(6)})`);
