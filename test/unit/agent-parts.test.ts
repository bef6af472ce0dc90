// The agent's small parts: the serial queue and the heartbeat loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat, SerialQueue } from '../../src/agent/index.ts';
import { waitFor } from '../../src/devservices/index.ts';

test('SerialQueue runs one task at a time, in order, and survives a failing task', async () => {
  const queue = new SerialQueue();
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const task = (i: number) => async () => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((r) => setImmediate(r));
    order.push(i);
    running -= 1;
    if (i === 2) throw new Error('task 2 fails');
    return i;
  };
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => queue.run(task(i))));
  assert.equal(most, 1);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  await queue.idle();
  assert.equal(queue.pending, 0);
});

test('Heartbeat keeps beating after failures and stops cleanly', async () => {
  let beats = 0;
  const errors: unknown[] = [];
  const heartbeat = new Heartbeat({
    intervalMs: 5,
    beat: () => {
      beats += 1;
      return beats % 2 === 1 ? Promise.reject(new Error('broker gone')) : Promise.resolve();
    },
    onError: (error) => errors.push(error),
  });
  heartbeat.start();
  await waitFor(() => beats >= 6, { timeoutMs: 5000, what: '6 beats' });
  await heartbeat.stop();
  const after = beats;
  assert.ok(errors.length >= 3);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(beats, after, 'no beat after stop()');
});
