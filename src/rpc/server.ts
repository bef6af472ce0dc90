// The serving side of RPC protocol v1: consumes one queue, validates, dispatches, replies, acks.
import { EventEmitter } from 'node:events';
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { Contract, Handlers } from './contract.ts';
import type { RpcConnection } from './connection.ts';
import { answer, rejectionReason } from './dispatch.ts';
import { replyProperties } from './envelope.ts';
import { RpcError, type RpcErrorCode } from './errors.ts';
import { Keeper } from './keeper.ts';

/** Options of an RpcServer. */
export interface RpcServerOptions<C extends Contract> {
  queue: string;
  /** 'lb': a durable queue shared by many servers; 'single': this server's own queue (x-expires, single active consumer). */
  mode: 'lb' | 'single';
  contract: C;
  handlers: Handlers<C>;
  /** Requests handled at once. Default 64. */
  prefetch?: number;
  /** 'single' mode: the queue disappears after this long without a consumer. Default 60000. */
  queueExpiresMs?: number;
  /** Bigger request bodies are answered BAD_REQUEST unread. Default 8 MiB. */
  maxRequestBytes?: number;
}

/** Events of an RpcServer: one 'request' per answered request, 'rejected' per unanswerable one. */
export interface RpcServerEvents {
  request: [{ method: string; outcome: 'ok' | RpcErrorCode; durationMs: number }];
  rejected: [{ reason: string }];
  error: [{ error: Error }];
}

/** Serves a contract's methods on a queue; its queue and consumer come back by themselves after a reconnect. */
export class RpcServer<C extends Contract> extends EventEmitter<RpcServerEvents> {
  readonly #connection: RpcConnection;
  readonly #options: Required<RpcServerOptions<C>>;
  readonly #keeper: Keeper;
  #inFlight = 0;
  #idle: (() => void) | undefined; // resolves stop()'s wait once #inFlight is back to 0
  #consumer: { channel: Channel; replier: Channel; tag: string } | undefined;
  #stopped = false;

  constructor(connection: RpcConnection, options: RpcServerOptions<C>) {
    super();
    this.#connection = connection;
    this.#options = { prefetch: 64, queueExpiresMs: 60_000, maxRequestBytes: 8 << 20, ...options };
    this.#keeper = new Keeper(connection, {
      build: () => this.#build(),
      drop: () => this.#drop(),
      error: (error) => this.#emitError(error),
    });
  }

  /** Declares the queue (DESIGN.md) and starts consuming; resolves once it consumes. */
  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(new RpcError('UNAVAILABLE', 'server stopped'));
    return this.#keeper.start();
  }

  /** Cancels the consumer, waits for the requests in hand to be answered and acked (however long their handlers take), closes. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#keeper.stop();
    const consumer = this.#consumer;
    await consumer?.channel.cancel(consumer.tag).catch(() => undefined);
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#drop();
  }

  #queueOptions(): Options.AssertQueue {
    if (this.#options.mode === 'lb') return { durable: true };
    const args = { 'x-expires': this.#options.queueExpiresMs, 'x-single-active-consumer': true };
    return { durable: true, arguments: args };
  }

  async #build(): Promise<void> {
    const channel = await this.#connection.createChannel();
    const replier = await this.#connection.createChannel().catch(async (error: unknown) => {
      await channel.close().catch(() => undefined);
      throw error;
    });
    for (const ch of [channel, replier]) {
      ch.on('error', () => undefined); // always followed by 'close'
      ch.on('close', () => {
        if (this.#consumer?.channel === channel) this.#keeper.broken(new Error('channel closed'));
      });
    }
    try {
      await channel.assertQueue(this.#options.queue, this.#queueOptions());
      await channel.prefetch(this.#options.prefetch);
      const onMessage = (msg: ConsumeMessage | null) => this.#onMessage(channel, replier, msg);
      const { consumerTag } = await channel.consume(this.#options.queue, onMessage);
      this.#consumer = { channel, replier, tag: consumerTag };
    } catch (error) {
      await Promise.allSettled([channel.close(), replier.close()]);
      throw error;
    }
    if (this.#stopped) this.#drop(); // stop() came while building
  }

  #drop(): void {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    void consumer?.channel.close().catch(() => undefined);
    void consumer?.replier.close().catch(() => undefined);
  }

  #onMessage(channel: Channel, replier: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      if (this.#consumer?.channel === channel)
        this.#keeper.broken(new Error('consumer cancelled by the broker'));
      return;
    }
    // Counted rather than kept as promises: this runs per request, and allocations show there.
    this.#inFlight++;
    this.#handle(channel, replier, msg).then(this.#done, (error: unknown) => {
      this.#emitError(new Error('request handling failed', { cause: error }));
      this.#done();
    });
  }

  readonly #done = (): void => {
    if (--this.#inFlight === 0) this.#idle?.();
  };

  async #handle(channel: Channel, replier: Channel, msg: ConsumeMessage): Promise<void> {
    const startedAt = performance.now();
    const { contract, handlers, maxRequestBytes } = this.#options;
    const { replyTo, correlationId } = msg.properties as {
      replyTo?: unknown;
      correlationId?: unknown;
    };
    if (typeof replyTo !== 'string' || !replyTo || typeof correlationId !== 'string') {
      ack(channel, msg);
      const reason = rejectionReason(msg, contract, maxRequestBytes);
      if (this.listenerCount('rejected') > 0) this.emit('rejected', { reason });
      return;
    }
    const { method, outcome, body } = await answer(msg, contract, handlers, maxRequestBytes);
    try {
      replier.publish('', replyTo, body, replyProperties(correlationId));
    } catch (error) {
      // The reply channel is gone: close the consumer's too, so the broker redelivers the request.
      if (this.#consumer?.channel === channel)
        this.#keeper.broken(new Error('reply channel lost', { cause: error }));
      return;
    }
    ack(channel, msg);
    if (this.listenerCount('request') > 0) {
      this.emit('request', { method, outcome, durationMs: performance.now() - startedAt });
    }
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', { error });
  }
}

/** Acks on the channel the message came in on; a closed channel means the broker will redeliver. */
function ack(channel: Channel, msg: ConsumeMessage): void {
  try {
    channel.ack(msg);
  } catch {
    // channel closed: nothing to ack on
  }
}
