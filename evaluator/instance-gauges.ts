// k6's VU gauges across shards (issue 22). `vus` and `vus_max` count one k6 instance's VUs; with N
// shards (k6-operator runners, `run --shards`, or shard files evaluated together) the run's VUs are
// the instances' VUs added up, at the same instant. Each input is one k6 instance (one process
// writes one output), so these gauges are kept per input, in series hidden by an extra tag, and
// added up per time bucket when gates are judged and the report is made. Kept apart in a state
// too, a merge of shards' states adds them up the same way: one evaluation of every shard's file,
// evaluate's parallel states and merge give the same figures. Other gauges are not added up:
// a gauge's meaning (a queue depth probed once, a memory percentage) decides whether shards'
// values add, and chaosgate cannot know it — their series hold every shard's samples, and
// `value` is the last by time, min/max over all of them.
import { Bucket, Series, seriesKey, type SeriesStore } from './series.js';

/** The gauges of k6 itself that count one instance's VUs. */
export const INSTANCE_GAUGES: ReadonlySet<string> = new Set(['vus', 'vus_max']);
/** The hidden tag that keeps an instance gauge's series per input (never in a report). */
export const INPUT_TAG = '__input';

/**
 * The series gates and reports see: the store's own, with every instance gauge's per-input series
 * replaced by one series per visible tag set whose buckets add the inputs' buckets up: per bucket,
 * last, min and max are the sums of each input's (its value at the bucket's end, its lowest and
 * highest), the average is the sum of the inputs' averages; with one input, its bucket as it is.
 */
export function visibleSeries(store: SeriesStore): Series[] {
  const out: Series[] = [];
  const groups = new Map<string, Series[]>();
  for (const s of store.byKey.values()) {
    if (s.tags[INPUT_TAG] === undefined) {
      out.push(s);
      continue;
    }
    const { [INPUT_TAG]: _input, ...visible } = s.tags;
    const key = seriesKey(s.metric, visible);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [s]);
    else list.push(s);
  }
  for (const [key, parts] of groups) {
    const { [INPUT_TAG]: _input, ...tags } = parts[0]!.tags;
    const combined = new Series(store, key, parts[0]!.metric, tags, false, false);
    const starts = new Set<number>();
    for (const p of parts) for (const start of p.buckets.keys()) starts.add(start);
    for (const start of [...starts].sort((a, b) => a - b))
      combined.buckets.set(start, addBuckets(start, parts.map((p) => p.buckets.get(start)).filter((b) => b !== undefined && b.count > 0) as Bucket[]));
    out.push(combined);
  }
  return out;
}

function addBuckets(start: number, inputs: Bucket[]): Bucket {
  const out = new Bucket(start);
  if (inputs.length === 1) {
    const b = inputs[0]!;
    Object.assign(out, { count: b.count, errors: b.errors, sum: b.sum, min: b.min, max: b.max, nonzero: b.nonzero, last: b.last, lastTime: b.lastTime, firstTime: b.firstTime });
    return out;
  }
  let avg = 0;
  out.min = 0;
  out.max = 0;
  for (const b of inputs) {
    out.count += b.count;
    out.errors += b.errors;
    out.nonzero += b.nonzero;
    out.min += b.min;
    out.max += b.max;
    out.last += b.last;
    avg += b.sum / b.count;
    if (b.lastTime > out.lastTime) out.lastTime = b.lastTime;
    if (b.firstTime < out.firstTime) out.firstTime = b.firstTime;
  }
  out.sum = avg * out.count;
  return out;
}
