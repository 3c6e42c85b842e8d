// HTTP blackhole: the request is swallowed, nothing answers, and the connection closes after holdMs.
import { z } from 'zod';
import type { HttpFault } from './types.js';

const params = z.object({ holdMs: z.number().int().min(0).max(600_000) }).strict();

export const httpBlackhole: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(p, { req }) {
    req.resume();
    const socket = req.socket;
    const timer = setTimeout(() => socket.destroy(), p.holdMs);
    socket.once('close', () => clearTimeout(timer));
  },
};
