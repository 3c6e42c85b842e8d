// The one small interface every proxy fault implements: HTTP faults act on a request the roll chose,
// TCP faults decide what happens to each chunk of a connection the roll chose.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { z } from 'zod';

export interface HttpExchange {
  req: IncomingMessage;
  res: ServerResponse;
  faultId: string;
  /** Passes the request on to the upstream; `responseBody` paces the response body on its way back. */
  forward(responseBody?: Transform): void;
}

export interface HttpFault<P = any> {
  layer: 'http';
  params: z.ZodType<P>;
  inject(params: P, exchange: HttpExchange): void;
}

export type TcpDirection = 'toUpstream' | 'toClient';

/** Toxiproxy's words: downstream is upstream -> client (answers), upstream is client -> upstream. */
export const tcpStream = z.enum(['downstream', 'upstream']).default('downstream');

export function inStream(stream: z.output<typeof tcpStream>, direction: TcpDirection): boolean {
  return (stream === 'downstream') === (direction === 'toClient');
}

export interface TcpChunk {
  now: number;
  /** When the previous chunk in this direction goes out: a chunk never overtakes it. */
  lastReleaseAt: number;
  bytes: number;
  direction: TcpDirection;
}

export interface TcpConnection {
  /** Drops both sides with a TCP RST. */
  reset(): void;
  /** Closes both sides after `ms` unless already closing. */
  closeAfter(ms: number): void;
}

export interface TcpFault<P = any> {
  layer: 'tcp';
  params: z.ZodType<P>;
  /** The time the chunk may go out, or null to drop it. */
  onChunk(params: P, chunk: TcpChunk, connection: TcpConnection): number | null;
}

export type ProxyFault = HttpFault | TcpFault;
