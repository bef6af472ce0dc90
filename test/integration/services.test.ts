import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { testEnv } from '../support/env.ts';

test('the shared Redis answers', async () => {
  const redis = new Redis(testEnv().redisUrl);
  try {
    assert.equal(await redis.ping(), 'PONG');
  } finally {
    redis.disconnect();
  }
});

test('the shared RabbitMQ accepts connections and routes a message', async () => {
  const conn = await amqp.connect(testEnv().amqpUrl);
  try {
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    ch.sendToQueue(queue, Buffer.from('hello'));
    const msg = await ch.get(queue, { noAck: true });
    assert.ok(msg);
    assert.equal(msg.content.toString(), 'hello');
  } finally {
    await conn.close();
  }
});
