// The `target` section: the reference target's ports, latencies, slots and workers (issue 2).
import { z } from 'zod';

export const targetSectionSchema = z.object({}).strict();
