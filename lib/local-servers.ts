// Real local servers (redis-server, nats-server) on a free loopback port, stopped by the caller:
// for tests, and for runs that bring their own stack (the reference target needs a Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import type { ProcessJournal } from './process-journal.js';

export interface RunningServer {
  host: string;
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves once a TCP connect to host:port succeeds, or rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host, port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startProcess(bin: string, args: (port: number, dir: string) => string[], scheme: string, journal?: ProcessJournal): Promise<RunningServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-srv-'));
  // The folder is journalled before the server exists, the server as soon as it has a PID: a
  // SIGKILL of this process at any point leaves nothing the next reap does not know about.
  await journal?.addFile(dir);
  const child = spawn(bin, args(port, dir), { stdio: ['ignore', 'ignore', 'pipe'] });
  const journalled = journal?.addProcess(child.pid, bin);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const forget = async () => {
    await journalled;
    await journal?.removeProcess(child.pid);
    await journal?.removeFile(dir);
  };
  try {
    await journalled;
    await Promise.race([
      waitForPort(host, port),
      exited.then(() => {
        throw new Error(`${bin} exited at start: ${stderr.trim()}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    await forget();
    throw err;
  }
  return {
    host,
    port,
    url: `${scheme}://${host}:${port}`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
      await forget();
    },
  };
}

export interface StartServerOptions {
  /** Journals the server's PID and folder, so a SIGKILLed owner's server is reaped later. */
  journal?: ProcessJournal;
}

/** A throwaway redis-server: no persistence, loopback only. */
export function startRedis(opts: StartServerOptions = {}): Promise<RunningServer> {
  return startProcess('redis-server', (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], 'redis', opts.journal);
}

/** A throwaway nats-server with JetStream enabled, storing in a temp folder. */
export function startNats(): Promise<RunningServer> {
  return startProcess('nats-server', (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], 'nats');
}
