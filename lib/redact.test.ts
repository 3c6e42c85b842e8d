import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('replaces user and password in URLs with *** and leaves other text alone', () => {
    expect(redactUrl('redis://:s3cret@db:6379/0')).toBe('redis://***@db:6379/0');
    expect(redactUrl('https://admin:pw@host/admin/chaos/maintenance')).toBe('https://***@host/admin/chaos/maintenance');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('feature:new-pdf-renderer')).toBe('feature:new-pdf-renderer');
    expect(redactUrl('cmd:celery worker@host')).toBe('cmd:celery worker@host');
  });
});
