// HTTP bandwidth: the response body flows back at no more than bytesPerSecond.
import { z } from 'zod';
import { bandwidthPace, PacedStream, sliceForRate } from './paced-stream.js';
import type { HttpFault } from './types.js';

const params = z.object({ bytesPerSecond: z.number().int().min(1) }).strict();

export const httpBandwidth: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(p, ex) {
    ex.forward(new PacedStream(bandwidthPace(p.bytesPerSecond), sliceForRate(p.bytesPerSecond)));
  },
};
