// The write coalescing of src/rpc reaches into amqplib's internals; this fails (rather than the
// optimisation silently switching off) when an amqplib upgrade changes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { coalesceWrites } from '../../src/rpc/coalesce.ts';
import { testEnv } from '../support/env.ts';

test('the installed amqplib exposes what write coalescing needs, and messages still flow', async () => {
  const model = await amqp.connect(testEnv().amqpUrl);
  try {
    assert.equal(coalesceWrites(model), true);
    const ch = await model.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void ch.consume(
        queue,
        (msg) => {
          if (msg) got.push(msg.content.toString());
          if (got.length === 100) resolve();
        },
        { noAck: true },
      );
    });
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  } finally {
    await model.close();
  }
});
