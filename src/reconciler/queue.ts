import { ExponentialBackoff } from './backoff.ts';

/**
 * A work queue of keys with client-go's guarantees: a key is queued at most once; a key is never
 * handed to two workers at once (added while in progress, it is queued again when `done`); failed
 * keys come back after a per-key exponential back-off.
 */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #backoff: ExponentialBackoff;
  #shuttingDown = false;

  constructor(options: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
    this.#backoff = new ExponentialBackoff({
      baseMs: options.baseDelayMs,
      maxMs: options.maxDelayMs,
    });
  }

  /** Queues `key` now (a no-op if it is already waiting). */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Queues `key` after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Queues `key` after its back-off; returns the delay used. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets `key`'s back-off after a success. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** How many times `key` has been retried since its last success. */
  retries(key: string): number {
    return this.#backoff.failures(key);
  }

  /** The next key to work on; undefined once the queue is shut down. */
  async get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return key;
    }
    if (this.#shuttingDown) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not counting those in progress or delayed). */
  get length(): number {
    return this.#queue.length;
  }

  /** Keys being worked on. */
  get inProgress(): number {
    return this.#processing.size;
  }

  /** Stops handing out keys: waiting workers get undefined, delayed keys are dropped. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
