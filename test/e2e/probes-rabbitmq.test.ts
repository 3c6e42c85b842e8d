// The RabbitMQ probe against a real broker (Debian's rabbitmq-server, a throwaway node on free
// loopback ports with its own epmd): ready-message depth after publishing, getting and acking.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { freePort } from '../../lib/net.js';
import { waitForPort } from '../support/servers.js';
import { createProbe, startProbes } from '../../probes/index.js';
import { probeConfigSchema } from '../../probes/config.js';
import { waitFor } from '../support/wait.js';
import { amqpUrl } from '../../probes/rabbitmq.js';

const RABBITMQ = '/usr/lib/rabbitmq/bin/rabbitmq-server';

let broker: ChildProcess;
let dir: string;
let env: NodeJS.ProcessEnv;
let url: string;
let conn: ChannelModel;
let ch: Channel;

beforeAll(async () => {
  if (!existsSync(RABBITMQ)) throw new Error(`${RABBITMQ} not found: run \`npm run setup\` (installs Debian's rabbitmq-server)`);
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-rmq-'));
  const [amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  env = {
    PATH: process.env.PATH,
    HOME: dir, // the Erlang cookie goes here
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: `chaosgate-${amqpPort}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
  };
  broker = spawn(RABBITMQ, [], { env, stdio: 'ignore' });
  await waitForPort('127.0.0.1', amqpPort, 30_000);
  url = `amqp://guest@127.0.0.1:${amqpPort}`;
  // The port opens before the broker finishes booting: on a loaded machine the first handshakes
  // are closed abruptly, so retry the connection itself until it holds.
  conn = await waitFor(() => connect(`amqp://guest:guest@127.0.0.1:${amqpPort}`), { what: 'the broker to accept an AMQP connection', timeoutMs: 30_000, intervalMs: 250 });
  ch = await conn.createChannel();
}, 60_000);

afterAll(async () => {
  await conn?.close().catch(() => {});
  if (broker && broker.exitCode === null) {
    const exited = new Promise((r) => broker.once('exit', r));
    broker.kill('SIGTERM');
    const timer = setTimeout(() => broker.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // The node started its own epmd on our port; it outlives the node unless told to go.
  if (env) spawnSync('epmd', ['-kill'], { env, stdio: 'ignore' });
  if (dir) await rm(dir, { recursive: true, force: true });
}, 20_000);

describe('rabbitmq probe', () => {
  it('reports the ready messages: published minus fetched (acked or not)', async () => {
    await ch.assertQueue('ocr-jobs', { durable: false });
    for (let i = 0; i < 9; i++) ch.sendToQueue('ocr-jobs', Buffer.from(`job ${i}`));
    const probe = createProbe(probeConfigSchema.parse({ kind: 'rabbitmq', id: 'ocr', url, passwordEnv: 'CHAOSGATE_TEST_RMQ_PASSWORD', queue: 'ocr-jobs' }), {
      redisUrl: 'redis://unused',
      timeoutMs: 2000,
    });
    process.env.CHAOSGATE_TEST_RMQ_PASSWORD = 'guest';
    try {
      await expect.poll(async () => (await probe.read())[0]?.value, { timeout: 5000 }).toBe(9);
      const got = [await ch.get('ocr-jobs'), await ch.get('ocr-jobs'), await ch.get('ocr-jobs')];
      expect(got.every(Boolean)).toBe(true);
      ch.ack(got[0] as never);
      // Fetched but unacked messages are not ready: AMQP's depth leaves them out.
      expect(await probe.read()).toEqual([{ metric: 'queue_depth', value: 6 }]);
      ch.nack(got[1] as never, false, true); // requeued: ready again
      await expect.poll(async () => (await probe.read())[0]?.value, { timeout: 5000 }).toBe(7);
    } finally {
      delete process.env.CHAOSGATE_TEST_RMQ_PASSWORD;
      await probe.close();
    }
  });

  it('counts a missing queue as an error each tick and recovers once it exists', async () => {
    const errors: string[] = [];
    const depths: number[] = [];
    const sampler = startProbes([{ kind: 'rabbitmq', id: 'late', url: url.replace('guest@', ''), queue: 'late-queue' }], {
      intervalMs: 200,
      timeoutMs: 200,
      onSample: (s) => s.metric === 'queue_depth' && depths.push(s.value),
      onError: (e) => errors.push(e.message),
    });
    await waitFor(() => errors.length >= 2, { what: 'two ticks counting the missing queue as an error' });
    await ch.assertQueue('late-queue', { durable: false });
    ch.sendToQueue('late-queue', Buffer.from('x'));
    await waitFor(() => depths.at(-1) === 1, { what: 'a depth reading of 1 once the queue exists' });
    await sampler.stop();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toMatch(/NOT_FOUND/);
    expect(depths.length).toBeGreaterThanOrEqual(1);
    expect(depths.at(-1)).toBe(1);
    expect(sampler.stats().late!.errors).toBe(errors.length);
  });
});

describe('amqpUrl', () => {
  it('takes the password from the named env var only', () => {
    expect(amqpUrl('amqp://app@mq:5672/prod', 'MQ_PW', { MQ_PW: 's3cr:t' })).toBe('amqp://app:s3cr%3At@mq:5672/prod');
    expect(() => amqpUrl('amqp://app@mq', 'MQ_PW', {})).toThrow('env MQ_PW (the RabbitMQ password) is not set');
    expect(probeConfigSchema.safeParse({ kind: 'rabbitmq', id: 'x', url: 'amqp://app:pw@mq', queue: 'q' }).error?.issues[0]?.message).toBe(
      'must not contain a password: set passwordEnv',
    );
  });
});
