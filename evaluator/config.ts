// The `evaluate` and `gates` sections (issue 3).
import { z } from 'zod';

export const evaluateSectionSchema = z.object({}).strict();
export const gatesSectionSchema = z.array(z.unknown());
