import { describe, expect, it } from 'vitest';
import { RequestBoundary } from './request-boundary.js';

describe('RequestBoundary', () => {
  it('is at a boundary only between whole requests, across any chunking', () => {
    const stream = Buffer.from(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' + 'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello' + 'GET /c HTTP/1.1\r\n\r\n',
    );
    const ends = new Set([28, 28 + 44, stream.length]);
    for (const size of [1, 3, 7, 1000]) {
      const b = new RequestBoundary();
      for (let i = 0; i < stream.length; i += size) {
        b.feed(stream.subarray(i, i + size));
        const at = Math.min(i + size, stream.length);
        if (ends.has(at)) expect(b.atBoundary, `after ${at} bytes in ${size}-byte chunks`).toBe(true);
        else if (size === 1) expect(b.atBoundary, `after ${at} bytes`).toBe(false);
      }
    }
  });

  it('gives up on chunked bodies and upgrades, so such connections stay raw', () => {
    const b = new RequestBoundary();
    b.feed(Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
    expect(b.atBoundary).toBe(false);
  });
});
