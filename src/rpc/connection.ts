// One AMQP connection per process, kept open across broker restarts and node failures.
import { EventEmitter } from 'node:events';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { coalesceWrites } from './coalesce.ts';
import { RpcError, messageOf } from './errors.ts';

/** Options of an RpcConnection. */
export interface RpcConnectionOptions {
  /** Broker URLs (a cluster's nodes); tried in turn. */
  urls: string[];
  /** AMQP heartbeat; a dead peer is noticed after about twice this. Default 5, 0 disables. */
  heartbeatSeconds?: number;
  /** Back-off between reconnect rounds (a round tries every URL once). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Shown in the broker's management UI. */
  connectionName?: string;
  /** How long one connection attempt may take. Default 10000. */
  connectTimeoutMs?: number;
}

/** The lifecycle events of an RpcConnection. */
export interface RpcConnectionEvents {
  connected: [{ url: string }];
  disconnected: [{ error?: Error }];
  reconnecting: [{ attempt: number; delayMs: number }];
  error: [{ error: Error }];
}

/** One AMQP connection shared by the process's clients and servers; reconnects by itself. */
export class RpcConnection extends EventEmitter<RpcConnectionEvents> {
  readonly #urls: string[];
  readonly #heartbeatSeconds: number;
  readonly #backoff: BackoffOptions;
  readonly #socketOptions: Record<string, unknown>;
  #model: ChannelModel | undefined;
  #next = 0; // index of the URL the next attempt starts with
  #attempt = 0; // failed rounds since the last connection
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #started: Promise<void> | undefined;
  #onFirst: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(options: RpcConnectionOptions) {
    super();
    this.setMaxListeners(0); // every client and server of the process follows this connection
    if (options.urls.length === 0) throw new TypeError('RpcConnection needs at least one URL');
    this.#urls = [...options.urls];
    this.#heartbeatSeconds = options.heartbeatSeconds ?? 5;
    this.#backoff = {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5000,
    };
    this.#socketOptions = {
      noDelay: true,
      timeout: options.connectTimeoutMs ?? 10_000,
      clientProperties: options.connectionName
        ? { connection_name: options.connectionName }
        : undefined,
    };
  }

  /** True while a connection to some broker is open. */
  get connected(): boolean {
    return this.#model !== undefined;
  }

  /** Connects; resolves on the first successful connection, retrying with back-off meanwhile. */
  start(): Promise<void> {
    this.#started ??= new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new RpcError('UNAVAILABLE', 'connection closed'));
      this.#onFirst = { resolve, reject };
      void this.#round();
    });
    return this.#started;
  }

  /** A new channel on the current connection; rejects UNAVAILABLE while disconnected. */
  async createChannel(): Promise<Channel> {
    if (!this.#model) throw new RpcError('UNAVAILABLE', 'not connected to RabbitMQ');
    try {
      return await this.#model.createChannel();
    } catch (cause) {
      throw new RpcError('UNAVAILABLE', `cannot open a channel: ${messageOf(cause)}`, { cause });
    }
  }

  /** Stops reconnecting and closes the connection cleanly. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#onFirst?.reject(new RpcError('UNAVAILABLE', 'connection closed before it opened'));
    this.#onFirst = undefined;
    const model = this.#model;
    if (!model) return;
    try {
      await model.close(); // 'close' fires, and #onClose emits 'disconnected'
    } catch {
      this.#onClose(model, undefined); // the socket was already gone
    }
  }

  // One round: each URL once, starting after the last one that worked or failed.
  async #round(): Promise<void> {
    for (let i = 0; i < this.#urls.length && !this.#closed; i++) {
      const url = this.#urls[this.#next % this.#urls.length] as string;
      this.#next = (this.#next + 1) % this.#urls.length;
      try {
        const model = await amqp.connect(this.#withHeartbeat(url), this.#socketOptions);
        if (this.#closed) {
          await model.close().catch(() => undefined);
          return;
        }
        this.#adopt(model, url);
        return;
      } catch (error) {
        this.#emitError(new Error(`cannot connect to ${redact(url)}`, { cause: error }));
      }
    }
    if (this.#closed) return;
    const attempt = ++this.#attempt;
    const delayMs = backoffDelayMs(attempt, this.#backoff);
    this.emit('reconnecting', { attempt, delayMs });
    this.#timer = setTimeout(() => void this.#round(), delayMs);
  }

  #adopt(model: ChannelModel, url: string): void {
    coalesceWrites(model);
    this.#model = model;
    this.#attempt = 0;
    this.#next = this.#urls.indexOf(url); // a reconnect tries this node first
    model.on('error', (error: Error) => this.#emitError(error));
    model.on('close', (error?: Error) => this.#onClose(model, error));
    this.#onFirst?.resolve();
    this.#onFirst = undefined;
    this.emit('connected', { url: redact(url) });
  }

  #onClose(model: ChannelModel, error: Error | undefined): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    this.emit('disconnected', error ? { error } : {});
    if (this.#closed) return;
    this.#next = (this.#next + 1) % this.#urls.length; // the node we lost goes last
    const attempt = ++this.#attempt;
    const delayMs = backoffDelayMs(attempt, this.#backoff);
    this.emit('reconnecting', { attempt, delayMs });
    this.#timer = setTimeout(() => void this.#round(), delayMs);
  }

  #withHeartbeat(url: string): string {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat'))
      parsed.searchParams.set('heartbeat', String(this.#heartbeatSeconds));
    return parsed.toString();
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', { error });
  }
}

/** The URL without its password, for events. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
