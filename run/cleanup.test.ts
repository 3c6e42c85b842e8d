import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup.js';

describe('CleanupStack', () => {
  it('runs every step newest first, even after one fails, and names the failures', async () => {
    const ran: string[] = [];
    const stack = new CleanupStack();
    stack.push('a', () => void ran.push('a'));
    stack.push('b', () => {
      ran.push('b');
      throw new Error('boom');
    });
    stack.push('c', async () => void ran.push('c'));
    const errors = await stack.unwind();
    expect(ran).toEqual(['c', 'b', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['b: boom']);
    expect(await stack.unwind()).toEqual([]); // each step runs once
  });

  it('unwinds only the steps above a named one', async () => {
    const ran: string[] = [];
    const stack = new CleanupStack();
    for (const name of ['signal', 'stack', 'chaos', 'k6']) stack.push(name, () => void ran.push(name));
    await stack.unwindAbove('stack');
    expect(ran).toEqual(['k6', 'chaos']);
    await stack.unwind();
    expect(ran).toEqual(['k6', 'chaos', 'stack', 'signal']);
  });
});
