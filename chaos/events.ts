// Chaos events: one JSON object per line, written the moment a fault goes on or off. The evaluator
// labels samples baseline / fault:<id> / recovery from them.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactUrl } from '../lib/redact.js';
import type { ChaosEvent } from '../model/events.js';

export type { ChaosEvent };

export class EventLog {
  constructor(
    private readonly path: string | undefined,
    private readonly onEvent?: (event: ChaosEvent) => void,
  ) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }

  /**
   * Appends synchronously, so the line is on disk before the caller goes on. `epochMs`: when the
   * change happened, if another process made it (a serving proxy); default now.
   */
  write(event: Omit<ChaosEvent, 'time' | 'epochMs' | 'target'> & { target: string; epochMs?: number }): ChaosEvent {
    const epochMs = event.epochMs ?? Date.now();
    const full: ChaosEvent = {
      time: new Date(epochMs).toISOString(),
      epochMs,
      faultId: event.faultId,
      kind: event.kind,
      target: redactUrl(event.target),
      action: event.action,
      params: event.params,
    };
    if (this.path) appendFileSync(this.path, `${JSON.stringify(full)}\n`);
    this.onEvent?.(full);
    return full;
  }
}
