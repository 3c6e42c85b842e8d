// POST /api/auth/login: 200 with a session token for the configured user, 401 otherwise.
import { randomBytes } from 'node:crypto';
import { readJson, sameSecret, type Route } from '../http.js';

const MAX_TOKENS = 10_000;

export const authRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/auth/login',
    group: 'auth',
    handle: async ({ req, state }) => {
      const body = await readJson(req);
      const username = typeof body.username === 'string' ? body.username : '';
      const password = typeof body.password === 'string' ? body.password : '';
      // Both compared every time: which one was wrong must not show in the timing.
      const userOk = sameSecret(username, state.credentials.username);
      const passwordOk = sameSecret(password, state.credentials.password);
      const ok = userOk && passwordOk && username !== '';
      if (!ok) return { status: 401, body: { error: 'invalid credentials' } };
      const token = randomBytes(24).toString('base64url');
      if (state.tokens.size >= MAX_TOKENS) state.tokens.clear();
      state.tokens.add(token);
      return { status: 200, body: { token, token_type: 'Bearer' } };
    },
  },
];
