// A run's timeline — chaos faults on/off and named phases (a scenario's spike, a profile's
// phases) — and the phase analysis computed from it. `run` feeds it live; `evaluate --events`
// replays the run's events file into it; both then call analyseRun, so the two give the same
// phases, fault windows, recovery and error budget for the same samples and events.
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { analyse, type FaultWindow } from './compute.js';
import { compareRuns, runIdentity, type IdentityInput } from './compare.js';
import { withEndpoints } from './endpoints.js';
import { withRecoveryReasons } from './recovery-reasons.js';
import type { Analysis } from '../model/analysis.js';
import {
  bucketWidthEventSchema,
  chaosEventSchema,
  namedPhaseEventSchema,
  serviceAddressEventSchema,
  type BucketWidthEvent,
  type ChaosEvent,
  type NamedPhaseEvent,
  type PhaseEvent,
  type ServiceAddressEvent,
  type TimelineEvent,
} from '../model/events.js';
import { InputError } from '../lib/errors.js';
import { validatedMs } from '../lib/duration.js';
import type { ReportModel } from '../model/report.js';

export class RunTimeline {
  private readonly windows = new Map<string, FaultWindow>();
  private readonly open = new Set<string>();

  /**
   * @param label receives the phase events that label samples (Evaluation.addPhaseEvent)
   * @param eventsPath the events file named phases are appended to (run); none when replaying
   */
  constructor(
    private readonly label: (event: PhaseEvent) => void,
    private readonly eventsPath?: string,
  ) {}

  /**
   * A chaos event. An "off" for a fault this timeline never saw go on (an earlier run's leftover
   * undone at start) is not part of this run: it would label everything before the first fault
   * `recovery`. Returns whether the event was taken.
   */
  chaos(e: Pick<ChaosEvent, 'epochMs' | 'faultId' | 'kind' | 'target' | 'action'>): boolean {
    if (e.action === 'off' && !this.open.has(e.faultId)) return false;
    this.label({ time: e.epochMs, faultId: e.faultId, action: e.action });
    if (e.action === 'on') {
      this.open.add(e.faultId);
      this.windows.set(e.faultId, { id: e.faultId, kind: e.kind, target: e.target, on: e.epochMs, off: null, injections: null });
    } else {
      this.open.delete(e.faultId);
      this.windows.get(e.faultId)!.off = e.epochMs;
    }
    return true;
  }

  /** A named phase from `epochMs` on (recorded in the events file so a replay sees it too). */
  phase(epochMs: number, phase: string): void {
    this.label({ time: epochMs, phase });
    if (this.eventsPath) {
      const line: NamedPhaseEvent = { time: new Date(epochMs).toISOString(), epochMs, phase };
      appendFileSync(this.eventsPath, `${JSON.stringify(line)}\n`);
    }
  }

  /** Where the script reaches each service (recorded in the events file for a replay's `service` tag). */
  services(epochMs: number, addresses: ReadonlyArray<Omit<ServiceAddressEvent, 'time' | 'epochMs'>>): void {
    if (!this.eventsPath || addresses.length === 0) return;
    const time = new Date(epochMs).toISOString();
    appendFileSync(this.eventsPath, addresses.map((a) => `${JSON.stringify({ time, epochMs, ...a } satisfies ServiceAddressEvent)}\n`).join(''));
  }

  /** The width a run picked for `evaluate.bucketWidth: auto` (recorded for `evaluate --events`). */
  bucketWidth(epochMs: number, bucketWidthMs: number, bucketWidthPicked: string): void {
    if (!this.eventsPath) return;
    const line: BucketWidthEvent = { time: new Date(epochMs).toISOString(), epochMs, bucketWidthMs, bucketWidthPicked };
    appendFileSync(this.eventsPath, `${JSON.stringify(line)}\n`);
  }

  /** Replays events read from an events file. */
  replay(events: readonly TimelineEvent[]): void {
    for (const e of events) {
      if ('service' in e || 'bucketWidthMs' in e) continue;
      if ('phase' in e) this.label({ time: e.epochMs, phase: e.phase });
      else this.chaos(e);
    }
  }

  get hasFaults(): boolean {
    return this.windows.size > 0;
  }

  /** The fault windows, with injection counts when the caller has them (a live run's session). */
  faults(injections: Record<string, number> = {}): FaultWindow[] {
    return [...this.windows.values()].map((f) => ({ ...f, injections: injections[f.id] ?? null }));
  }
}

/** Reads an events file (JSON lines: chaos events and named phases); a bad line is exit 3 with file:line. */
export async function readTimelineEvents(path: string): Promise<TimelineEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`events file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const events: TimelineEvent[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new InputError(`${path}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const has = (key: string) => typeof raw === 'object' && raw !== null && key in raw;
    const parsed = has('phase')
      ? namedPhaseEventSchema.safeParse(raw)
      : has('service')
        ? serviceAddressEventSchema.safeParse(raw)
        : has('bucketWidthMs')
          ? bucketWidthEventSchema.safeParse(raw)
          : chaosEventSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new InputError(`${path}:${i + 1}: not a chaos event (${first.path.join('.') || 'line'}: ${first.message})`);
    }
    events.push(parsed.data as TimelineEvent);
  }
  return events;
}

/** What the phase analysis reads of the `run` settings (durations as k6 text, validated by config). */
export interface RunAnalysisSettings {
  recovery: { p95Factor: number; errorRateDelta: number; window: string; queueDepthSlack: number };
  allowedErrorRate: number;
  driftWindow: string;
}

export interface AnalyseRunOptions {
  profile: string;
  faults: FaultWindow[];
  /** The run's analysis settings (the config's `run` section has this shape). */
  settings: RunAnalysisSettings;
  /** Soak drift (profiles with `drift`), with the previous report when there is one. */
  drift?: boolean;
  previous?: { source: string; report: ReportModel } | null;
  /** The ingestion drain, measured live by a run. */
  drain?: Analysis['drain'];
  /** What the run was beyond its report (script, configured services, planned length): kept, and checked against the previous report's. */
  identity?: IdentityInput;
}

/** The phase analysis of a finished report: the one composition `run` and `evaluate --events` share. */
export function analyseRun(report: ReportModel, opts: AnalyseRunOptions): Analysis {
  const run = opts.settings;
  const analysis = analyse(report, {
    profile: opts.profile,
    faults: opts.faults,
    recovery: {
      p95Factor: run.recovery.p95Factor,
      errorRateDelta: run.recovery.errorRateDelta,
      windowMs: validatedMs(run.recovery.window),
      queueDepthSlack: run.recovery.queueDepthSlack,
    },
    allowedErrorRate: opts.faults.length ? run.allowedErrorRate : null,
    drift: opts.drift ? { windowMs: validatedMs(run.driftWindow), previous: opts.previous ?? null } : null,
    drain: opts.drain ?? null,
  });
  const identity = runIdentity(report, opts.profile, opts.identity ?? { script: null, services: {}, plannedMs: null });
  if (opts.identity) analysis.identity = identity;
  if (opts.previous) analysis.comparison = compareRuns(report, identity, opts.previous);
  return withRecoveryReasons(withEndpoints(analysis, report), report);
}

/** The notes a comparison asks for: a previous run that differs from this one. */
export function comparisonNotes(analysis: Analysis | undefined): string[] {
  const c = analysis?.comparison;
  if (!c || c.differences.length === 0) return [];
  return [`the previous report (${c.previousCreatedAt}) ran differently: ${c.differences.join('; ')}; its figures are compared with as they are`];
}
