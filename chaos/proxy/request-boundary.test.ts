import { describe, expect, it } from 'vitest';
import { startsRequest } from './request-boundary.js';

describe('startsRequest', () => {
  it('knows a chunk that begins a request from one inside a request', () => {
    expect(startsRequest(Buffer.from('GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(true);
    expect(startsRequest(Buffer.from('POST /upload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello'))).toBe(true);
    expect(startsRequest(Buffer.from('hello'))).toBe(false);
    expect(startsRequest(Buffer.from('{"GET": "/a HTTP/1.1"}'))).toBe(false);
    expect(startsRequest(Buffer.from('5\r\nhello\r\n0\r\n\r\n'))).toBe(false);
    expect(startsRequest(Buffer.from('GET /a HTTP/1.1'))).toBe(false);
  });
});
