// The Redis-driven chaos toggles the target obeys. Read with one MGET at most every refreshMs and
// cached, so a toggle costs Redis nothing per request. While Redis cannot be read the toggles
// count as off: a fault must not outlive the Redis that carries its dead-man TTL.
import type { Redis } from 'ioredis';

export const ENDPOINT_GROUPS = ['web', 'ocr', 'gpu', 'ingestion', 'auth'] as const;
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];

export const chaosKeys = {
  latencyMs: (group: EndpointGroup) => `chaos:latency_ms:${group}`,
  errorRate: (group: EndpointGroup) => `chaos:error_rate:${group}`,
  newPdfRenderer: 'feature:new-pdf-renderer',
} as const;

export interface GroupFaults {
  /** Extra latency added to every request of the group. */
  latencyMs: number;
  /** Probability (0..1) that a request of the group answers 500. */
  errorRate: number;
}

const NO_FAULTS: GroupFaults = { latencyMs: 0, errorRate: 0 };

function number(raw: string | null, min: number, max: number): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : 0;
}

export class ChaosToggles {
  private faults = new Map<EndpointGroup, GroupFaults>();
  private newPdfRenderer = false;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly refreshMs = 250,
  ) {}

  /** Reads once now, then every refreshMs until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  group(group: EndpointGroup): GroupFaults {
    return this.faults.get(group) ?? NO_FAULTS;
  }

  get newPdfRendererEnabled(): boolean {
    return this.newPdfRenderer;
  }

  refresh(): Promise<void> {
    // One read in flight at a time: a slow Redis must not pile up MGETs.
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const keys = ENDPOINT_GROUPS.flatMap((g) => [chaosKeys.latencyMs(g), chaosKeys.errorRate(g)]);
    try {
      const values = await this.redis.mget(...keys, chaosKeys.newPdfRenderer);
      const next = new Map<EndpointGroup, GroupFaults>();
      ENDPOINT_GROUPS.forEach((g, i) => {
        next.set(g, { latencyMs: number(values[2 * i] ?? null, 0, 60_000), errorRate: number(values[2 * i + 1] ?? null, 0, 1) });
      });
      this.faults = next;
      this.newPdfRenderer = values[keys.length] === 'true';
    } catch {
      this.faults = new Map();
      this.newPdfRenderer = false;
    }
  }
}
