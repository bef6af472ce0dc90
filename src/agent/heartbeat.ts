// A fixed-rate loop that never overlaps itself and never dies of a failed beat.

/** Options of a Heartbeat; `beat` failures go to `onError` and the next tick tries again. */
export interface HeartbeatOptions {
  intervalMs: number;
  beat: () => Promise<void>;
  onSuccess?: () => void;
  onError?: (error: unknown) => void;
}

/** Calls `beat` at once and then every intervalMs (measured start to start) until stop(). */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #running = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  #tick(): void {
    const startedAt = Date.now();
    this.#current = this.#options
      .beat()
      .then(
        () => this.#options.onSuccess?.(),
        (error: unknown) => this.#options.onError?.(error),
      )
      .finally(() => {
        if (!this.#running) return;
        const wait = Math.max(0, startedAt + this.#options.intervalMs - Date.now());
        this.#timer = setTimeout(() => this.#tick(), wait);
      });
  }

  /** Stops the loop and waits for a beat in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#current;
  }
}
