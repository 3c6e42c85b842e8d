// Progress while a run is under way: elapsed/remaining, phase, active faults, live RPS, p95 and
// error rate over the last few seconds. On a terminal one line redrawn every second; otherwise
// (CI) a plain line every `progressEvery`. Live figures come from a light tap on the sample lines
// and are for watching only: the report's figures come from the evaluation, exactly.
import { FAILED_METRIC } from '../model/error-rate.js';
import { LATENCY_METRIC } from '../model/metric-names.js';
import { percentileOfSorted } from '../model/percentile.js';

const WINDOW_SECONDS = 10;
const DURATION_RE = new RegExp(`"metric":"${LATENCY_METRIC}"`);
const FAILED_RE = new RegExp(`"metric":"${FAILED_METRIC}"`);
const VALUE_RE = /"value":(-?[\d.eE+-]+)/;
const TIME_RE = /"time":"([^"]+)"/;

interface Second {
  at: number;
  requests: number;
  failed: number;
  durations: number[];
}

/** Keeps per-second request counts, failures and (capped) durations of the last seconds. */
export class LiveTap {
  private readonly seconds: Second[] = [];
  private static readonly MAX_DURATIONS_PER_SECOND = 2000;

  /** The metrics point() counts. */
  static readonly METRICS: readonly string[] = [LATENCY_METRIC, FAILED_METRIC];

  /** Taps every complete line of text[start, end). */
  text(text: string, start: number, end: number): void {
    let pos = start;
    // The next request metric's place (-1: none before `end`), searched again only once passed: a
    // search per line ran to the end of the text when no line held one (k6's own Trend points
    // only), quadratic in the lines per piece (~11 CPU-s for 1.4 M points).
    let m = -2;
    while (pos < end) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl > end) nl = end;
      // Only request metrics matter here (both names above start with http_req_): skip the rest
      // without slicing.
      if (m !== -1 && m < pos) {
        m = text.indexOf('"metric":"http_req_', pos);
        if (m >= end) m = -1;
      }
      if (m >= 0 && m < nl) this.line(text.slice(pos, nl));
      pos = nl + 1;
    }
  }

  line(line: string): void {
    const isDuration = DURATION_RE.test(line);
    if (!isDuration && !FAILED_RE.test(line)) return;
    this.point(isDuration ? LATENCY_METRIC : FAILED_METRIC, Date.parse(TIME_RE.exec(line)?.[1] ?? ''), Number(VALUE_RE.exec(line)?.[1]));
  }

  /** A point already parsed (by the evaluator's reading threads): only the two metrics above count. */
  point(metric: string, time: number, value: number): void {
    const isDuration = metric === LATENCY_METRIC;
    if (!isDuration && metric !== FAILED_METRIC) return;
    if (!Number.isFinite(value) || !Number.isFinite(time)) return;
    const s = this.second(Math.floor(time / 1000));
    if (isDuration) {
      s.requests++;
      if (s.durations.length < LiveTap.MAX_DURATIONS_PER_SECOND) s.durations.push(value);
    } else if (value !== 0) s.failed++;
  }

  private second(at: number): Second {
    let s = this.seconds.find((x) => x.at === at);
    if (!s) {
      s = { at, requests: 0, failed: 0, durations: [] };
      this.seconds.push(s);
      this.seconds.sort((a, b) => a.at - b.at);
      while (this.seconds.length > WINDOW_SECONDS + 2) this.seconds.shift();
    }
    return s;
  }

  /** Figures over the last complete seconds (the current one is still filling). */
  snapshot(now = Date.now()): { rps: number; p95: number | null; errorRate: number | null } {
    const current = Math.floor(now / 1000);
    const done = this.seconds.filter((s) => s.at < current && s.at >= current - WINDOW_SECONDS);
    const requests = done.reduce((n, s) => n + s.requests, 0);
    const failed = done.reduce((n, s) => n + s.failed, 0);
    const durations = done.flatMap((s) => s.durations).sort((a, b) => a - b);
    return {
      rps: done.length ? requests / WINDOW_SECONDS : 0,
      // k6's definition, as the gates and the report's tables (over the durations kept per second).
      p95: durations.length ? percentileOfSorted(durations, 95) : null,
      errorRate: requests ? failed / requests : null,
    };
  }
}

export interface ProgressState {
  elapsedMs: number;
  totalMs: number | null;
  phase: string;
  activeFaults: string[];
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatProgress(state: ProgressState, live: ReturnType<LiveTap['snapshot']>): string {
  const remaining = state.totalMs === null ? '' : ` / ${clock(state.totalMs)} (${clock(state.totalMs - state.elapsedMs)} left)`;
  const faults = state.activeFaults.length ? state.activeFaults.join(',') : 'none';
  const p95 = live.p95 === null ? '-' : `${live.p95.toFixed(0)}ms`;
  const err = live.errorRate === null ? '-' : `${(live.errorRate * 100).toFixed(1)}%`;
  return `${clock(state.elapsedMs)}${remaining}  phase ${state.phase}  faults ${faults}  rps ${live.rps.toFixed(1)}  p95 ${p95}  errors ${err}`;
}

export interface ProgressPrinter {
  tick(state: ProgressState, live: ReturnType<LiveTap['snapshot']>): void;
  line(text: string): void;
  end(): void;
}

/** A redrawn status line on a terminal; plain periodic lines elsewhere. */
export function progressPrinter(stream: NodeJS.WriteStream, plainEveryMs: number): ProgressPrinter {
  const tty = stream.isTTY === true;
  let lastPlain = -Infinity;
  let drawn = false;
  return {
    tick(state, live) {
      const text = formatProgress(state, live);
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        drawn = true;
      } else if (state.elapsedMs - lastPlain >= plainEveryMs) {
        lastPlain = state.elapsedMs;
        stream.write(`${text}\n`);
      }
    },
    line(text) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
      stream.write(`${text}\n`);
    },
    end() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
