import { describe, expect, it } from 'vitest';
import { SafetyError } from '../lib/errors.js';
import { startControl } from './control.js';

const status = () => ({ pid: 1, active: [], counts: { a: 3 } });

describe('control endpoint', () => {
  it('answers /status on loopback without a token', async () => {
    const control = await startControl('127.0.0.1', 0, 'CHAOSGATE_CHAOS_CONTROL_TOKEN', {}, status);
    try {
      const res = await fetch(`${control.url}/status`);
      expect(await res.json()).toEqual(status());
      expect((await fetch(`${control.url}/other`)).status).toBe(404);
    } finally {
      await control.close();
    }
  });

  it('refuses to bind off loopback without a token in env, naming the variable', async () => {
    const err = await startControl('0.0.0.0', 0, 'CHAOSGATE_CHAOS_CONTROL_TOKEN', {}, status).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SafetyError);
    expect((err as Error).message).toMatch(/chaos\.control\.listen: 0\.0\.0\.0 is not loopback.*CHAOSGATE_CHAOS_CONTROL_TOKEN/);
  });
});
