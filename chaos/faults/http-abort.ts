// HTTP abort: answers with an error status instead of the upstream (429 with Retry-After).
import { z } from 'zod';
import type { HttpFault } from './types.js';

const params = z
  .object({
    status: z.number().refine((s) => [429, 500, 502, 503].includes(s), 'must be 429, 500, 502 or 503'),
    /** Seconds in Retry-After; sent with 429 and 503. */
    retryAfterS: z.number().int().min(0).max(86_400).default(1),
  })
  .strict();

export const httpAbort: HttpFault<z.output<typeof params>> = {
  layer: 'http',
  params,
  inject(p, { req, res, faultId }) {
    req.resume();
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-chaosgate-fault': faultId };
    if (p.status === 429 || p.status === 503) headers['retry-after'] = String(p.retryAfterS);
    res.writeHead(p.status, headers);
    res.end(`chaosgate: injected ${p.status} (${faultId})\n`);
  },
};
