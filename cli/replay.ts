// What `evaluate` and `merge` read around the samples so that they judge as `run` did live: the
// profile's gates, the run's chaos events (phases, fault windows, service addresses), the previous
// report; and the finishing options they both pass to run/finish.ts.
import { readTimelineEvents, RunTimeline } from '../analysis/timeline.js';
import type { ChaosgateConfig } from '../config/index.js';
import type { Profile } from '../config/run.js';
import { loadPrevious } from '../evaluator/evaluate.js';
import type { BucketWidthEvent, PhaseEvent, ServiceAddressEvent } from '../model/events.js';
import type { FinishOptions } from '../run/finish.js';
import { resolveProfile } from '../run/profiles.js';
import { configServices, type RunServices } from '../run/services.js';
import { requestedReports, type ReportFlags } from './report-flags.js';

export interface ReplayFlags {
  profile?: string;
  events?: string;
  baseline?: string;
}

export interface Replay {
  profile: Profile | null;
  /** The gates `run <profile>` judges: the profile's, else the config's. */
  gates: ChaosgateConfig['gates'];
  /** The run's events when --events was given. */
  events: Awaited<ReturnType<typeof readTimelineEvents>> | undefined;
  /** The phase events the timeline gave (empty without --events). */
  phaseEvents: PhaseEvent[];
  timeline: RunTimeline;
  services: RunServices;
  previous: Awaited<ReturnType<typeof loadPrevious>> | null;
  /** How the run picked its `auto` bucket width (its events file's record); config.evaluate.bucketWidth is set to it. */
  bucketWidthPicked?: string;
}

export async function readReplay(config: ChaosgateConfig, flags: ReplayFlags): Promise<Replay> {
  const profile = flags.profile !== undefined ? resolveProfile(config, flags.profile) : null;
  const events = flags.events ? await readTimelineEvents(flags.events) : undefined;
  const phaseEvents: PhaseEvent[] = [];
  const timeline = new RunTimeline((e) => phaseEvents.push(e));
  timeline.replay(events ?? []);
  const services = configServices(config).replay((events ?? []).filter((e): e is ServiceAddressEvent => 'service' in e));
  const baseline = flags.baseline ?? config.evaluate.baselineReport;
  // `auto`: the width the run picked, as it recorded it, so the replay buckets as the run did; a
  // width set in the config is the user's and wins; an older events file has no record (10 s).
  const recorded = (events ?? []).find((e): e is BucketWidthEvent => 'bucketWidthMs' in e);
  const picked = config.evaluate.bucketWidth === 'auto' ? recorded : undefined;
  if (picked) config.evaluate.bucketWidth = `${picked.bucketWidthMs}ms`;
  return {
    profile,
    gates: profile?.gates ?? config.gates,
    events,
    phaseEvents,
    timeline,
    services,
    previous: baseline ? await loadPrevious(baseline) : null,
    ...(picked ? { bucketWidthPicked: picked.bucketWidthPicked } : {}),
  };
}

/** The phase analysis (with --events), the services and the reports asked for, as `run` finishes its own. */
export function replayFinishOptions(replay: Replay, config: ChaosgateConfig, flags: ReplayFlags & ReportFlags, command: 'evaluate' | 'merge'): FinishOptions {
  return {
    analysis: replay.events
      ? { profile: flags.profile ?? command, faults: replay.timeline.faults(), settings: config.run, drift: replay.profile?.drift, previous: replay.previous }
      : null,
    services: replay.services.any ? replay.services : null,
    reports: requestedReports(flags),
  };
}
