// HTTP slow body: headers come at once, the body trickles in chunkBytes pieces every delayMs.
import { z } from 'zod';
import { PacedStream } from './paced-stream.js';
import type { HttpFault } from './types.js';

const params = z.object({ chunkBytes: z.number().int().min(1).default(64), delayMs: z.number().min(0).max(60_000) }).strict();

export const httpSlowBody: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(p, ex) {
    ex.forward(new PacedStream((now, last) => Math.max(now, last) + p.delayMs, p.chunkBytes));
  },
};
