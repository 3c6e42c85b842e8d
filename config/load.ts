// The `load` section: what the k6 scenarios drive. Owned by the scenarios (issue 2).
import { z } from 'zod';

export const loadSectionSchema = z.object({}).strict();
