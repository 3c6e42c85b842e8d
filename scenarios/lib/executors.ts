// The constant-arrival-rate scenario the soak and OCR runs share.
export function constantRate(s: { rate: number; duration: string; preAllocatedVUs: number; maxVUs: number }, exec: string) {
  return {
    executor: 'constant-arrival-rate' as const,
    rate: s.rate,
    timeUnit: '1s',
    duration: s.duration,
    preAllocatedVUs: s.preAllocatedVUs,
    maxVUs: s.maxVUs,
    exec,
  };
}
