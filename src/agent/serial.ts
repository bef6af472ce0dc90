// One task at a time, in arrival order: the agent never applies two configs (or reloads nginx) at once.

/** A promise chain: run() queues a task behind every earlier one. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Runs `task` after every task queued before it; its result or error is the caller's. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    const result = this.#tail.then(task).finally(() => {
      this.#pending -= 1;
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every task queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
