// One bounded HTTP GET for the HTTP probes: headers from env vars, the reading's deadline on the
// request (connect to last byte), a body cap, and any status but 2xx is a failed reading.

/** A probe's answer beyond this is a failed reading (a /metrics page of a big exporter is ~1 MB). */
export const HTTP_BODY_LIMIT = 16 * 1024 * 1024;

export function envHeaders(headersEnv: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, variable] of Object.entries(headersEnv)) {
    const value = env[variable];
    if (value === undefined) throw new Error(`env ${variable} (header ${name}) is not set`);
    out[name] = value;
  }
  return out;
}

export async function httpGetText(url: string, headers: Record<string, string>, timeoutMs: number, accept: string): Promise<string> {
  const res = await fetch(url, { headers: { accept, ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`GET ${redactQuery(url)}: HTTP ${res.status}`);
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > HTTP_BODY_LIMIT) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`GET ${redactQuery(url)}: ${length} bytes, more than ${HTTP_BODY_LIMIT}`);
  }
  const text = await res.text();
  if (text.length > HTTP_BODY_LIMIT) throw new Error(`GET ${redactQuery(url)}: more than ${HTTP_BODY_LIMIT} bytes`);
  return text;
}

/** The URL without its query (a token may sit there) for messages. */
function redactQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
