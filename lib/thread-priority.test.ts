// Per-thread nice on Linux: a thread that lowers its priority changes only itself. The module runs
// in a worker thread of its own (compiled with esbuild), beside this thread, whose nice must stay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { readProcStat } from './proc.js';
import { threadId } from './thread-priority.js';

/** A thread of this process's nice value as the kernel shows it. */
const niceOf = (tid: number) => readProcStat(process.pid, tid)?.nice;

describe('lowerThreadPriority', () => {
  it.runIf(process.platform === 'linux')('lowers only the calling thread, by the steps asked, and returns the nice it now has', async () => {
    const here = threadId()!;
    expect(here).toBeGreaterThan(0);
    const before = niceOf(here);
    const { code } = transformSync(readFileSync(join(import.meta.dirname, 'thread-priority.ts'), 'utf8'), { loader: 'ts', format: 'cjs' });
    const worker = new Worker(
      `const module = { exports: {} }; const exports = module.exports;
       ${code}
       const { parentPort } = require('node:worker_threads');
       const tid = module.exports.threadId();
       const was = require('node:os').getPriority(tid);
       parentPort.postMessage({ tid, was, now: module.exports.lowerThreadPriority(6), again: module.exports.lowerThreadPriority(30) });
       parentPort.once('message', () => process.exit(0));`,
      { eval: true },
    );
    try {
      const msg = await new Promise<{ tid: number; was: number; now: number; again: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(msg.tid).not.toBe(here);
      expect(msg.now).toBe(Math.min(19, msg.was + 6));
      expect(msg.again).toBe(19); // capped at Linux's highest nice
      expect(niceOf(msg.tid)).toBe(19); // the kernel's view of that thread
      expect(niceOf(here)).toBe(before); // this thread kept its priority
    } finally {
      worker.postMessage('done');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });
});
