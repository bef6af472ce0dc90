// Starts one Redis and one RabbitMQ for the whole integration run, shared by every test file
// through environment variables, and stops them after: at the end of the run, after a failed
// test, and on Ctrl-C.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RabbitServer, RedisServer, killAllManaged } from '../../src/devservices/index.ts';

let root: string | undefined;
let redis: RedisServer | undefined;
let rabbit: RabbitServer | undefined;

export async function globalSetup(): Promise<void> {
  root = await mkdtemp(path.join(os.tmpdir(), 'w2i-test-'));
  process.once('exit', killAllManaged);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllManaged();
      process.exit(130);
    });
  }
  [redis, rabbit] = await Promise.all([
    RedisServer.start(path.join(root, 'redis')),
    RabbitServer.start(path.join(root, 'rabbitmq')),
  ]);
  process.env.W2I_TEST_ROOT = root;
  process.env.W2I_TEST_REDIS_URL = redis.url;
  process.env.W2I_TEST_AMQP_URL = rabbit.url;
  process.env.W2I_TEST_AMQP_PORT = String(rabbit.port);
}

export async function globalTeardown(): Promise<void> {
  await Promise.allSettled([redis?.stop(), rabbit?.close()]);
  if (root && !process.env.W2I_KEEP_TEST_DIR) await rm(root, { recursive: true, force: true });
}
