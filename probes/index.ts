// The probes' public face: the sampler, the registry and the config section.
export { probeKinds, probeMetrics, metricsOfProbe, createProbe } from './registry.js';
export { startProbes, type ProbeFinding, type ProbeSampler, type ProbeStats, type StartProbesOptions } from './sampler.js';
export { probesSectionSchema, probeConfigSchema, type ProbeConfig, type ProbeKind, type ProbesSection } from './config.js';
export { celeryQueueKeys } from './celery-redis.js';
export type { GaugeSample, ProbeMetric, ProbeReading, QueueProbe, ProbeContext, ProbeDescriptor } from './types.js';
export { openProbeReader, readProbesOnce, sampleLine, type ProbeOnce } from './read-once.js';
