// HTTP reset: the client's connection is dropped with a TCP RST instead of an answer.
import { z } from 'zod';
import type { HttpFault } from './types.js';

const params = z.object({}).strict();

export const httpReset: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(_p, { req }) {
    req.socket.resetAndDestroy();
  },
};
