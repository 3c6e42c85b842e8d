// TCP latency: every chunk in the chosen direction waits fixedMs ± jitterMs (order kept).
import { z } from 'zod';
import { jittered } from './paced-stream.js';
import { inStream, tcpStream, type TcpFault } from './types.js';

const params = z
  .object({
    fixedMs: z.number().min(0).max(600_000),
    jitterMs: z.number().min(0).max(600_000).default(0),
    stream: tcpStream,
  })
  .strict();

export const tcpLatency: TcpFault<z.output<typeof params>> = {
  layer: 'tcp',
  params,
  onChunk(p, chunk) {
    if (!inStream(p.stream, chunk.direction)) return chunk.now;
    return Math.max(chunk.lastReleaseAt, chunk.now + jittered(p.fixedMs, p.jitterMs)());
  },
};
