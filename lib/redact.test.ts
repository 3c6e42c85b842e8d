import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from './redact.js';

describe('redactUrl', () => {
  it('replaces user and password in URLs with *** and leaves other text alone', () => {
    expect(redactUrl('redis://:s3cret@db:6379/0')).toBe('redis://***@db:6379/0');
    expect(redactUrl('https://admin:pw@host/admin/chaos/maintenance')).toBe('https://***@host/admin/chaos/maintenance');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('feature:new-pdf-renderer')).toBe('feature:new-pdf-renderer');
    expect(redactUrl('cmd:celery worker@host')).toBe('cmd:celery worker@host');
  });

  it('replaces every query value, keeping keys, path and fragment', () => {
    expect(redactUrl('http://bob:HookPw@127.0.0.1:9/admin?token=QueryTok&mode=on#x')).toBe('http://***@127.0.0.1:9/admin?token=***&mode=***#x');
    expect(redactUrl('http://h/a?QueryTok')).toBe('http://h/a?***');
    expect(redactUrl('http://h/a?empty=&k=v')).toBe('http://h/a?empty=&k=***');
    expect(redactUrl('http://h:1?token=t')).toBe('http://h:1?token=***');
    expect(redactUrl('http://h/path@x')).toBe('http://h/path@x');
  });
});

describe('redactUrlsIn', () => {
  it('redacts each URL inside a message, nothing else', () => {
    expect(redactUrlsIn('http hook POST http://bob:HookPw@127.0.0.1:9/admin?token=QueryTok: fetch failed (see http://x/y?k=v)')).toBe(
      'http hook POST http://***@127.0.0.1:9/admin?token=***: fetch failed (see http://x/y?k=***)',
    );
    expect(redactUrlsIn('no url here: a=b?c')).toBe('no url here: a=b?c');
  });
});
