// TCP reset: the next chunk on a chosen connection is answered with a TCP RST (after afterMs).
import { z } from 'zod';
import type { TcpFault } from './types.js';

const params = z.object({ afterMs: z.number().int().min(0).max(600_000).default(0) }).strict();

export const tcpReset: TcpFault<z.output<typeof params>> = {
  layer: 'tcp',
  params,
  onChunk(p, _chunk, connection) {
    if (p.afterMs === 0) connection.reset();
    else setTimeout(() => connection.reset(), p.afterMs);
    return null;
  },
};
