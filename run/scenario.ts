// What the run knows about a built-in scenario beyond its script: the knob its length is set by,
// and the phases the load itself makes (the chaos smoke's spike). A script's length comes from
// k6 itself (run/inspect.ts), for built-ins and users' scripts alike.
import { validatedMs } from '../lib/duration.js';
import type { ScenarioConfig } from '../load/scenario-config.js';
import type { ScenarioName } from '../load/scenarios.js';

/** Sets the scenario's length where it has one knob for it; false when it has none. */
export function applyScenarioDuration(scenario: ScenarioName, sc: ScenarioConfig, duration: string): boolean {
  if (scenario === 'soak') sc.soak.duration = duration;
  else if (scenario === 'ocr') sc.ocr.duration = duration;
  else if (scenario === 'chaos-smoke') sc.chaosSmoke.duration = duration;
  else return false;
  sc.seconds[duration] = validatedMs(duration) / 1000;
  return true;
}

/** Phase names by offset that the scenario's own shape makes. */
export function scenarioPhases(scenario: ScenarioName | null, sc: ScenarioConfig): { atMs: number; phase: string }[] {
  if (scenario !== 'chaos-smoke') return [];
  const at = validatedMs(sc.chaosSmoke.spikeAt);
  const hold = validatedMs(sc.chaosSmoke.spikeDuration);
  const total = validatedMs(sc.chaosSmoke.duration);
  if (hold <= 0 || at >= total) return [];
  return [
    { atMs: at, phase: 'spike' },
    { atMs: at + hold, phase: 'cooldown' },
  ];
}
