// HTTP latency: the request waits fixedMs ± jitterMs before it goes to the upstream.
import { z } from 'zod';
import { jittered } from './paced-stream.js';
import type { HttpFault } from './types.js';

const params = z.object({ fixedMs: z.number().min(0).max(600_000), jitterMs: z.number().min(0).max(600_000).default(0) }).strict();

export const httpLatency: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(p, ex) {
    setTimeout(() => ex.forward(), jittered(p.fixedMs, p.jitterMs)());
  },
};
