// TCP blackhole: data in both directions is dropped; the connection closes holdMs later.
import { z } from 'zod';
import type { TcpFault } from './types.js';

const params = z.object({ holdMs: z.number().int().min(0).max(600_000) }).strict();

export const tcpBlackhole: TcpFault<z.output<typeof params>> = {
  layer: 'tcp',
  params,
  onChunk(p, _chunk, connection) {
    connection.closeAfter(p.holdMs);
    return null;
  },
};
