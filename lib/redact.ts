/**
 * A URL's user and password never reach an event, the journal, a report or a log line: they become
 * `***@`, so a reader still sees that credentials were given. Other text passes unchanged.
 */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
