// TCP bandwidth: the chosen direction carries at most bytesPerSecond.
import { z } from 'zod';
import { inStream, tcpStream, type TcpFault } from './types.js';

const params = z.object({ bytesPerSecond: z.number().int().min(1), stream: tcpStream }).strict();

export const tcpBandwidth: TcpFault<z.output<typeof params>> = {
  layer: 'tcp',
  params,
  onChunk(p, chunk) {
    if (!inStream(p.stream, chunk.direction)) return chunk.now;
    return Math.max(chunk.lastReleaseAt, chunk.now) + (chunk.bytes * 1000) / p.bytesPerSecond;
  },
};
