// Zod's validation issues as the `field.path: message` lines every config and input error shows.
import type { z } from 'zod';

/** Formats zod issues as `field.path: message` lines. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `${path}: ${issue.message}`;
  });
}
