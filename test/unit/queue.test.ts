import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/reconciler/queue.ts';
import { ExponentialBackoff } from '../../src/reconciler/backoff.ts';

describe('WorkQueue', () => {
  test('a key added twice before it is taken is handed out once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  test('a key added while in progress is not handed to a second worker until done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    assert.equal(q.length, 0, 'the key waits for done() instead of being queued twice');
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await Promise.resolve();
    assert.equal(second, undefined);
    q.done(first as string);
    await waiting;
    assert.equal(second, 'a');
  });

  test('a waiting worker is woken by add', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add('x');
    assert.equal(await got, 'x');
    assert.equal(q.inProgress, 1);
  });

  test('addRateLimited backs off exponentially per key and forget resets it', async () => {
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 8 });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => q.addRateLimited('k')),
      [1, 2, 4, 8, 8],
    );
    assert.equal(q.retries('k'), 5);
    assert.equal(q.addRateLimited('other'), 1, 'back-off is per key');
    q.forget('k');
    assert.equal(q.retries('k'), 0);
    assert.equal(await q.get(), 'k');
  });

  test('addAfter keeps the earlier of two delays', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 60_000);
    q.addAfter('k', 1);
    assert.equal(await q.get(), 'k');
  });

  test('shutDown releases waiting workers and drops delayed keys', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.addAfter('later', 60_000);
    q.shutDown();
    assert.equal(await waiting, undefined);
    q.add('ignored');
    assert.equal(await q.get(), undefined);
  });

  test('N workers never hold the same key at once', async () => {
    const q = new WorkQueue();
    const holding = new Set<string>();
    let overlaps = 0;
    let handled = 0;
    const worker = async () => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        if (holding.has(key)) overlaps++;
        holding.add(key);
        await new Promise((r) => setImmediate(r));
        if (handled++ < 200) q.add(key);
        holding.delete(key);
        q.done(key);
        if (handled >= 200 && q.length === 0 && q.inProgress === 0) q.shutDown();
      }
    };
    for (const key of ['a', 'b', 'c']) q.add(key);
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.equal(overlaps, 0);
    assert.ok(handled >= 200);
  });
});

describe('ExponentialBackoff', () => {
  test('defaults run from 5 ms doubling to a 5 minute cap', () => {
    const b = new ExponentialBackoff();
    const delays = Array.from({ length: 20 }, () => b.next('k'));
    assert.equal(delays[0], 5);
    assert.equal(delays[1], 10);
    assert.equal(delays.at(-1), 300_000);
    assert.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number)));
  });
});
