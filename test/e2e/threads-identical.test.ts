// `evaluate --threads N`: the same report to the bit whatever the thread count (issue 23), on output
// the real k6 wrote, replicated: one big file (read by 1, 2 or 6 reading threads; from 4 threads
// recorded on recording threads) and three big files (one after the other; asked for with
// evaluate.parallelInputs, one state per input on a thread of its own, then the merge: there only
// equal to the last bits of sums). A bad count is a usage or config error naming the flag or field.
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecording, recordK6, replicate } from '../../bench/evaluator-data.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';
import { reportDifferences } from '../support/report-diff.js';

let bundle: CliBundle;
let dir: string;
let config: string;
let recorded: string;

beforeAll(async () => {
  bundle = await bundleCli('threads');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-threads-'));
  recorded = await recordK6(dir, '2s');
  config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      // 1 MB: files from 1 MB on get a reading thread, from 4 MB on two (plain NDJSON). The gates'
      // limits are loose: the recording is made at test time on a possibly loaded machine, and what
      // is compared is the figures across thread counts, not the verdict.
      evaluate: { workerMinBytes: 1 << 20, bucketWidth: '1s', malformedTolerance: 0.001 },
      gates: [
        { metric: 'http_req_duration', expression: 'p(95)<60000' },
        { metric: 'http_req_duration', expression: 'avg<60000', window: '1s' },
        { metric: 'http_req_failed', expression: 'rate<0.9' },
        { metric: 'http_reqs', expression: 'count>0' },
      ],
    }),
  );
}, 120_000);

afterAll(async () => {
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Report = {
  createdAt: string;
  inputs: Array<{ threads?: number }>;
  config: { threads?: { allowed: number; used: number } };
  gates: Array<{ durationMs: number; verdict: string }>;
  totals: { points: number };
};

/** The report without what may differ: when it was made, the gates' timing and the threads. */
function comparable(r: Report): unknown {
  return {
    ...r,
    createdAt: '',
    inputs: r.inputs.map(({ threads: _t, ...i }) => i),
    config: { ...r.config, threads: undefined },
    gates: r.gates.map((g) => ({ ...g, durationMs: 0 })),
  };
}

/** Paths where two JSON values differ at all (numbers to the bit), "path: a vs b". */
function exactDifferences(a: unknown, b: unknown, path = '$', out: string[] = []): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) exactDifferences(x[k], y[k], `${path}.${k}`, out);
  } else if (!Object.is(a, b)) out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}

async function evaluateAt(inputs: string[], threads: number, stdin?: Buffer, extra: string[] = []): Promise<Report> {
  const json = join(dir, `report-${inputs.length}-${threads}.json`);
  const r = await runCli(bundle.cli, ['evaluate', ...inputs, '-c', config, '--threads', String(threads), '--json', json, ...extra], { timeoutMs: 120_000, stdin });
  expect(r.stderr).toBe('');
  expect(r.code, r.stdout).toBe(0);
  return JSON.parse(await readFile(json, 'utf8')) as Report;
}

describe('evaluate --threads', () => {
  it('gives the same report at 1, 2, 3 and 8 threads, for one big file and for three', async () => {
    const rec = loadRecording(recorded);
    const one = join(dir, 'one.ndjson');
    await replicate(rec, one, 40_000, { offsetMinutes: 0, gzip: false });
    // A malformed line and a sample far off in time, in different blocks: both named by file:line
    // whichever thread read them.
    const lines = (await readFile(one, 'utf8')).split('\n');
    lines.splice(30_000, 0, JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time: '1971-01-01T00:00:00Z', value: 5, tags: { name: 'far' } } }));
    lines.splice(10_000, 0, '{not json');
    await writeFile(one, lines.join('\n'));
    // Three shards' files: the same recording at three time offsets (k6 in three zones' format).
    const three = [0, 60, 120].map((m) => join(dir, `shard-${m}.ndjson`));
    // Each over 4 × 1 MB: two reading threads each, and from 4 threads a recording thread.
    for (const [i, p] of three.entries()) await replicate(rec, p, 20_000 + i * 1_000, { offsetMinutes: i * 60, gzip: false });

    const single = await Promise.all([1, 2, 3, 8].map((n) => evaluateAt([one], n)));
    expect(single[0]!.totals.points).toBe(40_000);
    for (const r of single) {
      const problems = (r as unknown as { totals: { problems: Array<{ source: string; line: number; reason: string }> } }).totals.problems;
      expect(problems.map((p) => [p.source, p.line])).toEqual([
        [one, 10_001],
        [one, 30_002],
      ]);
      expect(problems[1]!.reason).toMatch(/far outside/);
    }
    // Main thread alone; then the main thread and two reading threads (the file is over 4 × 1 MB);
    // at 8, six reading threads and one recording thread (the main thread only routes the points).
    expect(single.map((r) => r.config.threads)).toEqual([
      { allowed: 1, used: 1 },
      { allowed: 2, used: 3 },
      { allowed: 3, used: 3 },
      { allowed: 8, used: 8 },
    ]);
    for (const r of single.slice(1)) expect(exactDifferences(comparable(r), comparable(single[0]!))).toEqual([]);

    const many = [];
    for (const n of [1, 2, 3, 8]) many.push(await evaluateAt(three, n));
    expect(many[0]!.totals.points).toBe(63_000);
    // The files one after the other, each on two reading threads (at 8: six, and a recording
    // thread): the same to the bit as one thread.
    expect(many.map((r) => r.config.threads)).toEqual([
      { allowed: 1, used: 1 },
      { allowed: 2, used: 3 },
      { allowed: 3, used: 3 },
      { allowed: 8, used: 8 },
    ]);
    for (const r of many.slice(1)) expect(exactDifferences(comparable(r), comparable(many[0]!))).toEqual([]);
    // Asked for (evaluate.parallelInputs), from 4 threads: a state per file on a thread of its own,
    // merged. Not to the bit (docs/evaluator.md): a merged sum adds the files' sums, not every
    // value in file order, so sums (and what is computed from them) may differ in the last bits,
    // and a merged histogram's encoding may differ (its header carries the array size, which
    // depends on how it grew) while its counts are the same. Nothing else.
    const merged = await evaluateAt(three, 8, undefined, ['--set', 'evaluate.parallelInputs=true']);
    expect(merged.config.threads).toEqual({ allowed: 8, used: 3 });
    for (const d of exactDifferences(comparable(merged), comparable(many[0]!)))
      expect(d).toMatch(/^\$\.(series\.\d+\.(trend\.(sum|avg)|counter\.(sum|ratePerSecond)|histogram\.data|buckets\.items\.\d+\.(sum|histogram))|gates\.\d+\.observed): /);
    expect(reportDifferences(comparable(merged), comparable(many[0]!))).toEqual([]);
    expect(merged.gates.map((g) => g.verdict)).toEqual(many[0]!.gates.map((g) => g.verdict));
  }, 300_000);

  it('records on several recording threads to the bit while the run coarsens and freezes its buckets, overflows the series cap and spends the exact-value budget', async () => {
    const file = join(dir, 'stress.ndjson');
    // 700 k points: ~500 k trend values, past the exact-value budget of 200 k (some series keep
    // theirs, the ones that come later drop them), over about a minute of replicated k6 output.
    await replicate(loadRecording(recorded), file, 700_000, { offsetMinutes: 0, gzip: false });
    const stress = join(dir, 'stress.json');
    await writeFile(
      stress,
      JSON.stringify({
        // 100 ms buckets and at most 8 of them: the width doubles again and again as the run grows
        // (every coarsening merges frozen and live bucket histograms); 12 series at most.
        evaluate: { workerMinBytes: 1 << 20, bucketWidth: '100ms', maxBuckets: 8, seriesCap: 12, bucketHistograms: ['http_req_waiting'] },
        gates: [
          { metric: 'http_req_duration', expression: 'p(95)<60000', window: '1s' },
          { metric: 'http_req_duration', expression: 'p(99)<60000' },
          { metric: 'http_req_duration{status:200}', expression: 'avg<60000', window: '2s' },
          { metric: 'http_req_failed', expression: 'rate<0.9' },
          { metric: 'http_reqs', expression: 'count>0' },
        ],
      }),
    );
    const at = async (threads: number) => {
      const json = join(dir, `stress-${threads}.json`);
      const r = await runCli(bundle.cli, ['evaluate', file, '-c', stress, '--threads', String(threads), '--json', json], { timeoutMs: 240_000 });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(await readFile(json, 'utf8')) as Report & { series: Array<{ overflow: boolean; kind: string; count: number }>; config: { bucketWidthMs: number } };
    };
    const one = await at(1);
    // What the case is about happened: buckets coarsened, series overflowed, exact values dropped.
    expect(one.config.bucketWidthMs).toBeGreaterThanOrEqual(400);
    expect(one.series.some((x) => x.overflow)).toBe(true);
    // More trend values than the budget holds: some series dropped theirs (a dropped series never takes them up again).
    expect(one.series.filter((x) => x.kind === 'trend').reduce((n, x) => n + x.count, 0)).toBeGreaterThan(200_000);
    // 12 threads: two recording threads (series dealt out in turns) and nine reading threads.
    const many = await at(12);
    expect(many.config.threads).toEqual({ allowed: 12, used: 12 });
    expect(exactDifferences(comparable(many), comparable(one))).toEqual([]);
  }, 300_000);

  it('reads live input (stdin, a FIFO written in uneven pieces, gzip) at 1, 2, 3 and 5 threads to the report of the file', async () => {
    const file = join(dir, 'live.ndjson');
    await replicate(loadRecording(recorded), file, 30_000, { offsetMinutes: 0, gzip: false });
    const bytes = await readFile(file);
    const ofFile = await evaluateAt([file], 1);
    expect(ofFile.totals.points).toBe(30_000);
    /** The source's name, the threads and (`gzip`) its compression aside, the same report to the bit. */
    const same = (r: Report, gzip = false) => {
      type Input = { threads?: number; source?: string; gzip?: boolean };
      const strip = (x: Report) => ({ ...(comparable(x) as Report), inputs: x.inputs.map(({ threads: _t, source: _s, gzip: _g, ...i }: Input) => i) });
      expect(exactDifferences(strip(r), strip(ofFile))).toEqual([]);
      expect((r.inputs[0] as Input).gzip).toBe(gzip);
    };
    // Stdin: 1 thread reads on the main thread; from 2, one thread records and the others parse
    // (from 3, in blocks they cut from the pipe in turns).
    const used = [];
    for (const n of [1, 2, 3, 5]) {
      const r = await evaluateAt(['-'], n, bytes);
      same(r);
      used.push(r.config.threads);
    }
    expect(used).toEqual([
      { allowed: 1, used: 1 },
      { allowed: 2, used: 2 },
      { allowed: 3, used: 3 },
      { allowed: 5, used: 5 },
    ]);
    // A FIFO its writer fills in pieces of uneven sizes with pauses: blocks cut wherever a piece ends.
    for (const n of [3, 5]) {
      const fifo = join(dir, `live-${n}.fifo`);
      execFileSync('mkfifo', [fifo]);
      const writing = (async () => {
        const out = createWriteStream(fifo);
        let seed = n;
        for (let at = 0; at < bytes.length;) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const size = 1 + (seed % 300_000);
          if (!out.write(bytes.subarray(at, at + size))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          at += size;
          if (seed % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await new Promise((resolve) => out.end(resolve));
      })();
      const [r] = await Promise.all([evaluateAt([fifo], n), writing]);
      same(r!);
      expect(r!.config.threads).toEqual({ allowed: n, used: n });
    }
    // Gzip cannot be cut into blocks: one reading thread inflates and parses it all.
    const gz = await evaluateAt(['-'], 3, gzipSync(bytes));
    same(gz, true);
    expect(gz.config.threads).toEqual({ allowed: 3, used: 2 });
  }, 300_000);

  it('refuses a thread count that is not a whole number from 1, naming the flag or the field (exit 2)', async () => {
    const input = join(dir, 'small.ndjson');
    // Enough points to hold requests whatever k6 wrote first on a loaded machine (a 100-point file
    // once ended in exit 99 there).
    await replicate(loadRecording(recorded), input, 5000, { offsetMinutes: 0, gzip: false });
    const plain = join(dir, 'plain.json');
    await writeFile(plain, JSON.stringify({ gates: [{ metric: 'http_req_duration', expression: 'p(95)<60000' }] }));
    for (const bad of ['0', '-1', '1.5', 'many', '']) {
      const r = await runCli(bundle.cli, ['evaluate', input, '-c', config, '--threads', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--threads/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const field = await runCli(bundle.cli, ['evaluate', input, '-c', config, '--set', 'evaluate.threads=0']);
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/evaluate\.threads/);
    // The older name still works, and the report says what it allowed.
    const json = join(dir, 'workers.json');
    const old = await runCli(bundle.cli, ['evaluate', input, '-c', plain, '--set', 'evaluate.workers=1', '--json', json]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toMatch(/, 1 of 1 thread; verdict pass/);
    expect(JSON.parse(await readFile(json, 'utf8')).config.threads).toEqual({ allowed: 1, used: 1 });
  }, 120_000);
});
