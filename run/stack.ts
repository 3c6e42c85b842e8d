// The reference stack a run brings when the profile says `stack: "reference"`: a private
// redis-server, the reference target (in this process), its ingestion worker as its own process
// (so chaos can SIGSTOP it by PID file), all on free loopback ports and all stopped at the end.
// The processes and the FIFO are journalled next to the chaos journal (lib/process-journal.ts), and
// what a SIGKILLed earlier run left there is reaped before anything starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ChaosgateConfig } from '../config/index.js';
import { startRedis, type RunningServer } from '../lib/local-servers.js';
import { describeReap, journalChild, ProcessJournal, reapLeftovers, type ReapReport } from '../lib/process-journal.js';
import { projectRoot } from '../lib/tools.js';
import { startTarget, type RunningTarget } from '../target/server.js';
import type { Credentials } from '../target/credentials.js';

export interface ReferenceStack {
  redisUrl: string;
  baseUrl: string;
  /** host:port of the target, for the fault proxy's upstream. */
  targetAddress: string;
  workerPidFile: string;
  worker: ChildProcess;
  /** What an earlier, killed run had left and this start stopped. */
  reaped: ReapReport;
  stop(): Promise<void>;
}

/** Where the process journals live: beside the chaos journal, so `chaos clear` finds them too. */
export function processJournalDir(config: ChaosgateConfig): string {
  return dirname(resolve(config.chaos.journal));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForPidFile(path: string, worker: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`the ingestion worker exited at start (code ${worker.exitCode})`);
    const text = await readFile(path, 'utf8').catch(() => '');
    if (/^\d+\s*$/.test(text)) return;
    await sleep(50);
  }
  throw new Error(`the ingestion worker wrote no PID file ${path} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A paused worker (SIGSTOP left by a crashed chaos run) cannot act on SIGTERM until continued.
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function startReferenceStack(
  config: ChaosgateConfig,
  outDir: string,
  credentials: Credentials,
  log: (line: string) => void = (line) => process.stderr.write(`chaosgate: ${line}\n`),
): Promise<ReferenceStack> {
  const journalDir = processJournalDir(config);
  const reaped = await reapLeftovers(journalDir);
  for (const line of describeReap(reaped)) log(line);
  const journal = ProcessJournal.forDir(journalDir);
  // The FIFO the run opens for k6's samples (run/k6-stream.ts) is left behind by a SIGKILL too.
  const fifo = join(outDir, 'k6.fifo');
  const cleanups: (() => Promise<void>)[] = [() => journal.removeFile(fifo)];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    await journal.addFile(fifo);
    const redis: RunningServer = await startRedis({ journal });
    cleanups.push(() => redis.stop());
    const target: RunningTarget = await startTarget({
      ...config.target,
      port: 0,
      workers: 0,
      redisUrl: redis.url,
      credentials,
    });
    cleanups.push(() => target.stop());
    const workerPidFile = join(outDir, 'worker.pid');
    const worker = spawn(
      process.execPath,
      [
        join(projectRoot, 'bin', 'chaosgate.mjs'),
        'target',
        'worker',
        '--redis',
        redis.url,
        '--queue',
        config.target.queue,
        '--embedding-ms',
        String(config.target.embeddingMs),
        '--failure-rate',
        String(config.target.embeddingFailureRate),
        '--max-retries',
        String(config.target.maxRetries),
        '--pid-file',
        workerPidFile,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const journalled = journal.addFile(workerPidFile).then(() => journalChild(journalDir, worker, 'ingestion worker'));
    cleanups.push(async () => {
      await stopChild(worker);
      await rm(workerPidFile, { force: true });
      await journalled.catch(() => {});
      await journal.removeProcess(worker.pid);
      await journal.removeFile(workerPidFile);
    });
    await journalled;
    await waitForPidFile(workerPidFile, worker, 10_000);
    return {
      redisUrl: redis.url,
      baseUrl: target.baseUrl,
      targetAddress: `127.0.0.1:${target.port}`,
      workerPidFile,
      worker,
      reaped,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
