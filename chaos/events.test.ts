import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog, type ChaosEvent } from './events.js';

describe('chaos events', () => {
  it('are one JSON object per line with time and epochMs of the same instant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaosgate-events-'));
    try {
      const seen: ChaosEvent[] = [];
      const log = new EventLog(join(dir, 'sub', 'events.jsonl'), (e) => seen.push(e));
      log.write({ faultId: 'a', kind: 'http-abort', target: 'http://u:p@h/x', action: 'on', params: { status: 503 } });
      log.write({ faultId: 'a', kind: 'http-abort', target: 'http://u:p@h/x', action: 'off', params: { injections: 4 } });
      const lines = (await readFile(join(dir, 'sub', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ChaosEvent);
      expect(lines).toEqual(seen);
      expect(lines.map((e) => [e.action, e.target])).toEqual([
        ['on', 'http://***@h/x'],
        ['off', 'http://***@h/x'],
      ]);
      expect(Date.parse(lines[0]!.time)).toBe(lines[0]!.epochMs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
