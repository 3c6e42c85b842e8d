// Config fields more than one probe kind uses.
import { z } from 'zod';

export const probeId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only (it becomes a metric tag)')
  .describe("the probe's unique name: its samples carry it as the `probe` tag");

export const redisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// URL');
