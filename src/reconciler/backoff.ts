/** Per-key exponential back-off: `baseMs * 2^failures`, capped at `maxMs` (client-go's item limiter). */
export class ExponentialBackoff {
  readonly #failures = new Map<string, number>();
  readonly baseMs: number;
  readonly maxMs: number;

  constructor({ baseMs = 5, maxMs = 300_000 }: { baseMs?: number; maxMs?: number } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  /** The delay before the next retry of `key`, counting this failure. */
  next(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures, 52));
  }

  /** How many times `key` has failed since it last succeeded. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Forgets `key` after a success. */
  forget(key: string): void {
    this.#failures.delete(key);
  }
}
