// Reconnect delays: exponential back-off with jitter, as a pure function so it can be tested.

/** Bounds of the back-off, in milliseconds. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): the exponential step
 * `initialDelayMs * 2^(attempt-1)` capped at `maxDelayMs`, then "equal jitter" (a uniform draw
 * in its upper half), so peers that lost the broker together do not come back together, and no
 * delay is ever below half its step or above `maxDelayMs`.
 */
export function backoffDelayMs(
  attempt: number,
  { initialDelayMs, maxDelayMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const step = Math.min(maxDelayMs, initialDelayMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
