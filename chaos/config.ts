// The `chaos` section: allowlist, proxy, plan (issue 4).
import { z } from 'zod';

export const chaosSectionSchema = z.object({}).strict();
