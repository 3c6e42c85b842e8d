// Every proxy fault, by kind. Adding one is one file and one line here.
import { httpAbort } from './http-abort.js';
import { httpBandwidth } from './http-bandwidth.js';
import { httpBlackhole } from './http-blackhole.js';
import { httpLatency } from './http-latency.js';
import { httpReset } from './http-reset.js';
import { httpSlowBody } from './http-slow-body.js';
import { tcpBandwidth } from './tcp-bandwidth.js';
import { tcpBlackhole } from './tcp-blackhole.js';
import { tcpLatency } from './tcp-latency.js';
import { tcpReset } from './tcp-reset.js';
import type { ProxyFault } from './types.js';

export const proxyFaults = {
  'http-latency': httpLatency,
  'http-abort': httpAbort,
  'http-reset': httpReset,
  'http-blackhole': httpBlackhole,
  'http-bandwidth': httpBandwidth,
  'http-slow-body': httpSlowBody,
  'tcp-latency': tcpLatency,
  'tcp-reset': tcpReset,
  'tcp-blackhole': tcpBlackhole,
  'tcp-bandwidth': tcpBandwidth,
} satisfies Record<string, ProxyFault>;

export type ProxyFaultKind = keyof typeof proxyFaults;

export function isProxyFaultKind(kind: string): kind is ProxyFaultKind {
  return Object.hasOwn(proxyFaults, kind);
}
