import { describe, expect, it } from 'vitest';
import { applyScenarioDuration } from '../run/scenario.js';
import { loadSectionSchema } from './config.js';
import { buildScenarioConfig } from './scenario-config.js';

describe('the scenario config', () => {
  it('carries the seconds of every duration it holds, parsed by the one parser, so k6 parses none', () => {
    const sc = buildScenarioConfig(loadSectionSchema.parse({ chaosSmoke: { duration: '1m30s', spikeAt: '20s', spikeDuration: 1500 } }));
    expect(sc.seconds[sc.chaosSmoke.duration]).toBe(90);
    expect(sc.seconds[sc.chaosSmoke.spikeAt]).toBe(20);
    expect(sc.seconds[sc.chaosSmoke.spikeDuration]).toBe(1.5);
    for (const d of [sc.spike.baselineDuration, sc.spike.rampDuration, sc.spike.peakDuration, sc.spike.recoveryDuration, sc.soak.duration, sc.ocr.duration]) {
      expect(sc.seconds[d], d).toBeGreaterThanOrEqual(0);
    }
  });

  it('a run --duration override brings its seconds along', () => {
    const sc = buildScenarioConfig(loadSectionSchema.parse({}));
    expect(applyScenarioDuration('soak', sc, '2h')).toBe(true);
    expect(sc.seconds[sc.soak.duration]).toBe(7200);
  });
});
