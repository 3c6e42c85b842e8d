// waitFor returns what the condition found, as soon as it holds, and names what it waited for when
// it never does.
import { describe, expect, it } from 'vitest';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  it('returns the first value that is not false, null or undefined', async () => {
    let polls = 0;
    const found = await waitFor(() => (++polls >= 3 ? { polls } : undefined), { what: 'the third poll', intervalMs: 1 });
    expect(found).toEqual({ polls: 3 });
    expect(await waitFor(() => 0, { what: 'zero' })).toBe(0); // 0 is a value, not "not yet"
  });

  it('treats a throw as "not yet" and names it and the awaited thing on timeout', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { what: 'the server', timeoutMs: 100, intervalMs: 10 },
      ),
    ).rejects.toThrow('timed out after 100 ms waiting for the server (last attempt threw: connection refused)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await expect(waitFor(() => false, { what: 'never', timeoutMs: 30 })).rejects.toThrow(/^timed out after 30 ms waiting for never$/);
    let seen = 'nothing yet';
    setTimeout(() => (seen = 'a late line'), 5);
    await expect(waitFor(() => false, { what: () => `a line (seen: ${seen})`, timeoutMs: 50 })).rejects.toThrow('waiting for a line (seen: a late line)');
  });
});
