// What the run needs to know about a k6 scenario: its expected length (for progress and the
// overrun watchdog), and the phases the load itself makes (the chaos smoke's spike).
import { durationToMs } from '../lib/duration.js';
import type { ScenarioConfig } from '../load/scenario-config.js';
import type { ScenarioName } from '../load/scenarios.js';

export function expectedDurationMs(scenario: ScenarioName, sc: ScenarioConfig): number | null {
  const s = (...ds: string[]) => ds.reduce((t, d) => t + (durationToMs(d) ?? 0), 0);
  switch (scenario) {
    case 'spike':
      return s(sc.spike.baselineDuration, sc.spike.rampDuration, sc.spike.peakDuration, sc.spike.rampDuration, sc.spike.recoveryDuration);
    case 'soak':
      return s(sc.soak.duration);
    case 'ocr':
      return s(sc.ocr.duration);
    case 'chaos-smoke':
      return s(sc.chaosSmoke.duration);
    default:
      return null;
  }
}

/** Phase names by offset that the scenario's own shape makes. */
export function scenarioPhases(scenario: ScenarioName, sc: ScenarioConfig): { atMs: number; phase: string }[] {
  if (scenario !== 'chaos-smoke') return [];
  const at = durationToMs(sc.chaosSmoke.spikeAt) ?? 0;
  const hold = durationToMs(sc.chaosSmoke.spikeDuration) ?? 0;
  const total = durationToMs(sc.chaosSmoke.duration) ?? 0;
  if (hold <= 0 || at >= total) return [];
  return [
    { atMs: at, phase: 'spike' },
    { atMs: at + hold, phase: 'cooldown' },
  ];
}
