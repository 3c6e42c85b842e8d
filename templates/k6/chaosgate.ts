// Load for chaosgate: a steady arrival rate against the service "web" (chaosgate.config.json).
// Run by `npx chaosgate run <profile>`; plain `k6 run k6/chaosgate.ts` works too.
import http from 'k6/http';
import { check } from 'k6';

// chaosgate hands the URL to call: the fault proxy in front of "web" when the profile's plan
// targets it, else web's own URL. Outside chaosgate, set it yourself (or take the default).
const WEB = __ENV.CHAOSGATE_URL_WEB || '{{SERVICE_URL}}';
// `duration` of the profile (or `chaosgate run --duration`).
const DURATION = __ENV.CHAOSGATE_DURATION || '30s';
const RATE = Number(__ENV.RATE || '10');

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate' as const,
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 10,
      maxVUs: 50,
    },
  },
  // k6's own thresholds are judged and reported beside chaosgate's gates.
  thresholds: { checks: ['rate>0.9'] },
};

export default function (): void {
  // Change the path to an endpoint of yours. `name` groups the requests in the reports; with a
  // `name`, k6 also puts it in the `url` tag, so say `service` too (the gates filter on it).
  const res = http.get(`${WEB}/`, { tags: { name: 'GET /', service: 'web' } });
  check(res, { 'status is 2xx': (r) => r.status >= 200 && r.status < 300 });
}
