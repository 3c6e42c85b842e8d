// The built-in profiles: each a built-in scenario (a script under scenarios/) on the reference
// stack. A profile of the same name in the config's `profiles` replaces one here.
// Plan targets may say {workerPidFile} (the reference stack's worker) and route "stack" (the
// fault proxy the reference stack puts in front of the target).
import { UsageError } from '../lib/errors.js';
import type { ChaosgateConfig } from '../config/index.js';
import { profileSchema, type Profile, type ProfileInput } from '../config/run.js';

const builtins: Record<string, ProfileInput> = {
  smoke: { description: 'every endpoint once, with checks', scenario: 'smoke', stack: 'reference' },
  spike: { description: 'baseline rate, a sudden jump to N x, back', scenario: 'spike', stack: 'reference' },
  soak: { description: 'constant arrival rate for hours; drift against the previous night', scenario: 'soak', stack: 'reference', drift: true },
  'chaos-smoke': {
    description: 'the chaos smoke: steady load, an OCR latency fault, a stopped ingestion worker, recovery, a spike; then the ingestion drain',
    scenario: 'chaos-smoke',
    stack: 'reference',
    drain: true,
    plan: [
      {
        id: 'ocr-latency',
        kind: 'http-latency',
        target: 'stack',
        at: '15s',
        duration: '12s',
        match: { path: '/api/v1/ocr/' },
        params: { fixedMs: 250, jitterMs: 20 },
      },
      { id: 'worker-stop', kind: 'process-pause', target: '{workerPidFile}', at: '37s', duration: '12s' },
    ],
  },
};

export function profileNames(config: ChaosgateConfig): string[] {
  return [...new Set([...Object.keys(builtins), ...Object.keys(config.profiles)])].sort();
}

export function resolveProfile(config: ChaosgateConfig, name: string): Profile {
  const fromConfig = config.profiles[name];
  if (fromConfig) return fromConfig;
  const builtin = builtins[name];
  if (!builtin) throw new UsageError(`unknown profile "${name}" (known: ${profileNames(config).join(', ')})`);
  return profileSchema.parse(builtin);
}
