// POST /admin/chaos/maintenance {"enabled": bool}: the HTTP hook chaos uses to put the web app
// into maintenance (web endpoints answer 503). Needs `Authorization: Bearer <token>` with the
// token from CHAOSGATE_TARGET_ADMIN_TOKEN; without that env var the hook does not exist (404).
import { readJson, sameSecret, HttpError, type Route } from '../http.js';

function tokenMatches(header: string | undefined, token: string): boolean {
  return sameSecret(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '', token);
}

export const adminRoutes: Route[] = [
  {
    method: 'POST',
    path: '/admin/chaos/maintenance',
    group: 'admin',
    handle: async ({ req, state }) => {
      if (!state.adminToken) return { status: 404, body: { error: 'not found' } };
      if (!tokenMatches(req.headers.authorization, state.adminToken)) return { status: 401, body: { error: 'bad or missing admin token' } };
      const body = await readJson(req);
      if (typeof body.enabled !== 'boolean') throw new HttpError(422, 'enabled: required boolean');
      state.maintenance = body.enabled;
      return { status: 200, body: { maintenance: state.maintenance } };
    },
  },
];
