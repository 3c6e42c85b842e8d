// The GPU stand-in: a bounded number of slots (an OCR job waits for a free one, FIFO, so a burst
// queues up the way it does on a saturated GPU) and memory in use that rises with active jobs.
export interface GpuOptions {
  slots: number;
  totalBytes: number;
  idleBytes: number;
  bytesPerJob: number;
}

export class Gpu {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly opts: GpuOptions) {}

  get activeJobs(): number {
    return this.active;
  }

  get waitingJobs(): number {
    return this.waiters.length;
  }

  get usedBytes(): number {
    return Math.min(this.opts.totalBytes, this.opts.idleBytes + this.active * this.opts.bytesPerJob);
  }

  get totalBytes(): number {
    return this.opts.totalBytes;
  }

  /**
   * Waits for a slot and returns its release function; null when `signal` aborts first (the
   * client went away: its place in line is given up, not held).
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | null> {
    if (this.active < this.opts.slots) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(this.releaser());
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters.shift()?.();
    };
  }
}
