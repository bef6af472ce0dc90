import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../src/rpc/backoff.ts';

const bounds = { initialDelayMs: 100, maxDelayMs: 5000 };

test('the step doubles per attempt, from initialDelayMs, and stops at maxDelayMs', () => {
  const top = (attempt: number) => backoffDelayMs(attempt, bounds, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(top), [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.equal(top(1000), 5000, 'huge attempt counts neither overflow nor exceed the cap');
});

test('jitter keeps each delay within the upper half of its step', () => {
  assert.equal(
    backoffDelayMs(3, bounds, () => 0),
    200,
  );
  assert.equal(
    backoffDelayMs(3, bounds, () => 0.5),
    300,
  );
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelayMs(10, bounds);
    assert.ok(d >= 2500 && d <= 5000, String(d));
  }
});

test('jitter spreads peers that retry together', () => {
  const delays = new Set(Array.from({ length: 100 }, () => backoffDelayMs(5, bounds)));
  assert.ok(delays.size > 50, `only ${delays.size} distinct delays`);
});

test('attempt 0 or below behaves as the first attempt', () => {
  assert.equal(
    backoffDelayMs(0, bounds, () => 1),
    100,
  );
  assert.equal(
    backoffDelayMs(-3, bounds, () => 1),
    100,
  );
});
