// Keeps per-connection state (channels, queues, consumers) alive across reconnects. Internal.
import { backoffDelayMs } from './backoff.ts';
import type { RpcConnection, RpcConnectionEvents } from './connection.ts';
import { RpcError } from './errors.ts';

/** What the owner (a client or a server) does at each stage. */
export interface KeeperHooks {
  /** Builds the state on the current connection; throws when it cannot. */
  build(): Promise<void>;
  /** Forgets the state (it is dead or half-built); must not throw. */
  drop(error: Error): void;
  /** Reports a failed rebuild, which will be retried. */
  error(error: Error): void;
}

const REBUILD = { initialDelayMs: 100, maxDelayMs: 5000 };

/**
 * Runs `build` on every connection, and again (with back-off) when the owner reports its state
 * broken while the connection lives. `start()` resolves on the first successful build and rejects
 * when that build fails on a live connection (a broker refusal, such as a queue declared with
 * other arguments, which retrying will not cure).
 */
export class Keeper {
  readonly #connection: RpcConnection;
  readonly #hooks: KeeperHooks;
  #generation = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #first: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #started: Promise<void> | undefined;

  constructor(connection: RpcConnection, hooks: KeeperHooks) {
    this.#connection = connection;
    this.#hooks = hooks;
  }

  /** Starts following the connection; resolves once the state is built. Idempotent. */
  start(): Promise<void> {
    return (this.#started ??= new Promise<void>((resolve, reject) => {
      this.#first = { resolve, reject };
      this.#connection.on('connected', this.#onConnected);
      this.#connection.on('disconnected', this.#onDisconnected);
      if (this.#connection.connected) void this.#build();
    }));
  }

  /** The owner saw its state die (a channel closed, a consumer cancelled): rebuild it. */
  broken(error: Error): void {
    if (this.#stopped) return;
    this.#generation++;
    this.#hooks.drop(error);
    this.#schedule();
  }

  /** Stops rebuilding; the owner tears its state down itself. */
  stop(): void {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#timer);
    this.#connection.off('connected', this.#onConnected);
    this.#connection.off('disconnected', this.#onDisconnected);
    this.#first?.reject(new RpcError('UNAVAILABLE', 'stopped before it started'));
    this.#first = undefined;
  }

  readonly #onConnected = (): void => {
    this.#failures = 0;
    void this.#build();
  };

  readonly #onDisconnected = ({ error }: RpcConnectionEvents['disconnected'][0]): void => {
    this.#generation++;
    clearTimeout(this.#timer);
    this.#hooks.drop(error ?? new Error('connection closed'));
  };

  async #build(): Promise<void> {
    clearTimeout(this.#timer);
    const generation = ++this.#generation;
    try {
      await this.#hooks.build();
      if (generation !== this.#generation) return; // superseded by a disconnect or a rebuild
      this.#failures = 0;
      this.#first?.resolve();
      this.#first = undefined;
    } catch (cause) {
      if (generation !== this.#generation || this.#stopped) return;
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.#hooks.drop(error);
      if (this.#first && this.#connection.connected) {
        this.#first.reject(error);
        this.#first = undefined;
        this.stop();
        return;
      }
      this.#hooks.error(error);
      this.#schedule();
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !this.#connection.connected) return; // 'connected' will rebuild
    const delayMs = backoffDelayMs(++this.#failures, REBUILD);
    this.#timer = setTimeout(() => void this.#build(), delayMs);
  }
}
