// Credentials of the target's one user: from env only (CHAOSGATE_USERNAME / CHAOSGATE_PASSWORD).
// Where unset, random ones for this run, handed to both the target and k6 and never printed.
import { randomBytes } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
}

export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): Credentials & { generated: boolean } {
  const username = env.CHAOSGATE_USERNAME;
  const password = env.CHAOSGATE_PASSWORD;
  if (username && password) return { username, password, generated: false };
  return {
    username: username || `qa-${randomBytes(4).toString('hex')}`,
    password: password || randomBytes(18).toString('base64url'),
    generated: true,
  };
}

/** The env k6 reads them from (`__ENV`): env, never a file or a flag in the process list. */
export function credentialsEnv(c: Credentials): Record<string, string> {
  return { CHAOSGATE_USERNAME: c.username, CHAOSGATE_PASSWORD: c.password };
}
