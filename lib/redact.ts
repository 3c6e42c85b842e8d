// The one redaction of URLs: what chaosgate prints, journals, logs as an event or puts in a report
// never carries a URL's user, password or query values (tokens are often passed as `?token=`).

const URL_AT_START = /^([a-z][a-z0-9+.-]*:\/\/)([^\s]*)/i;
// A URL in prose ends before trailing punctuation ("…?token=t: fetch failed", "(see http://h/x)").
const URLS_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`:),.;]/gi;

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq >= 0) return eq === pair.length - 1 ? pair : `${pair.slice(0, eq)}=***`;
      return pair === '' ? pair : '***';
    })
    .join('&');
}

/**
 * A URL (the whole text, e.g. a fault's target) with its user and password replaced by `***@` and
 * each query value by `***` (keys kept, so a reader still sees what was given). Other text passes
 * unchanged.
 */
export function redactUrl(text: string): string {
  const m = URL_AT_START.exec(text);
  if (!m) return text;
  const [, scheme, rest] = m;
  const slash = rest!.search(/[/?#]/);
  const authority = slash < 0 ? rest! : rest!.slice(0, slash);
  let tail = slash < 0 ? '' : rest!.slice(slash);
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `***@${authority.slice(at + 1)}` : authority;
  const q = tail.indexOf('?');
  if (q >= 0) {
    const hash = tail.indexOf('#', q);
    const query = hash < 0 ? tail.slice(q + 1) : tail.slice(q + 1, hash);
    tail = `${tail.slice(0, q + 1)}${redactQuery(query)}${hash < 0 ? '' : tail.slice(hash)}`;
  }
  return `${scheme}${host}${tail}${text.slice(m[0].length)}`;
}

/** Every URL inside free text (an error message, a log line) redacted as by redactUrl. */
export function redactUrlsIn(text: string): string {
  return text.replace(URLS_IN_TEXT, (url) => redactUrl(url));
}
