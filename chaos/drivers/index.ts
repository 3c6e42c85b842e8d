// Every driver, by kind. Adding one is one file and one line here.
import { httpHook } from './http-hook.js';
import { processKill } from './process-kill.js';
import { processPause } from './process-pause.js';
import { redisToggle } from './redis-toggle.js';
import { toxiproxy } from './toxiproxy.js';
import type { Driver } from './types.js';

export const drivers = {
  'redis-toggle': redisToggle,
  'http-hook': httpHook,
  'process-pause': processPause,
  'process-kill': processKill,
  toxiproxy,
} satisfies Record<string, Driver>;

export type DriverKind = keyof typeof drivers;

export function isDriverKind(kind: string): kind is DriverKind {
  return Object.hasOwn(drivers, kind);
}
