// Live input (`evaluate -`): the reading thread gives way to the k6 run that writes the samples
// (6 nice levels), while the CLI's main thread (timers, gates) and the draining thread keep theirs;
// every line written is still counted. Linux only: nice is per thread there.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProcStat } from '../../lib/proc.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { waitFor } from '../support/wait.js';

let bundle: CliBundle;
beforeAll(async () => {
  bundle = await bundleCli('live-priority');
}, 120_000);
afterAll(() => bundle?.remove());

/** The nice value of every thread of `pid`, by thread id (a thread that ended meanwhile is left out). */
function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    const stat = readProcStat(pid, tid);
    if (stat) nices.set(tid, stat.nice);
  }
  return nices;
}

const line = (i: number) =>
  JSON.stringify({
    metric: 'http_req_duration',
    type: 'Point',
    data: { time: new Date(Date.UTC(2026, 10, 29, 6, 0, 0, i)).toISOString(), value: 10 + (i % 7), tags: { name: 'GET /' } },
  }) + '\n';

describe('evaluate - (live input)', () => {
  it.runIf(process.platform === 'linux')(
    'reads on a thread 6 nice levels below the CLI, whose main thread keeps its priority, and counts every line',
    async () => {
      const p = spawn(process.execPath, [bundle.cli, 'evaluate', '--allow-no-gates', '-'], { stdio: ['pipe', 'pipe', 'pipe'], cwd: tmpdir() });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
      try {
        const base = threadNices(p.pid!).get(p.pid!)!;
        let written = 0;
        // Keep the pipe live (a line every few ms) until the reading thread is there and reniced.
        const nices = await waitFor(
          () => {
            p.stdin.write(line(written++));
            const n = threadNices(p.pid!);
            return [...n.values()].some((nice) => nice === Math.min(19, base + 6)) ? n : null;
          },
          { what: 'a thread of the CLI 6 nice levels below its main thread', timeoutMs: 30_000 },
        );
        expect(nices.get(p.pid!)).toBe(base); // the main thread (its thread id is the process id)
        const lowered = [...nices.values()].filter((nice) => nice !== base);
        expect(lowered).toEqual([Math.min(19, base + 6)]); // one thread only: the reading thread
        for (let i = 0; i < 1000; i++) p.stdin.write(line(written++));
        p.stdin.end();
        expect(await exited).toBe(0);
        expect(stdout + stderr).toContain(`${written} samples`);
      } finally {
        p.kill('SIGKILL');
      }
    },
    60_000,
  );
});
