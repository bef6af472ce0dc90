// The calling side of RPC protocol v1: many calls in flight over one reply queue.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { z } from 'zod';
import { formatIssues } from '../spec/index.ts';
import type { Contract, MethodName, RequestOf, ResultOf } from './contract.ts';
import type { RpcConnection } from './connection.ts';
import { checkResult, decodeReply, requestProperties } from './envelope.ts';
import { RpcError, messageOf, type RpcErrorCode } from './errors.ts';
import { Keeper } from './keeper.ts';

/** Events of an RpcClient: one 'call' per finished call, for metrics. */
export interface RpcClientEvents {
  call: [{ queue: string; method: string; outcome: 'ok' | RpcErrorCode; durationMs: number }];
  error: [{ error: Error }];
}

interface Pending {
  queue: string;
  method: string;
  result: z.ZodType;
  startedAt: number;
  timer: NodeJS.Timeout;
  resolve: (value: unknown) => void;
  reject: (error: RpcError) => void;
}

/** A request validated and encoded by RpcClient.prepare (or the error that refuses it). */
export class PreparedRequest<C extends Contract, M extends MethodName<C>> {
  readonly method: M;
  readonly result: z.ZodType | undefined;
  readonly body: Buffer | undefined;
  readonly error: RpcError | undefined;
  declare readonly _contract?: C; // ties the result type to the contract

  constructor(method: M, result?: z.ZodType, body?: Buffer, error?: RpcError) {
    this.method = method;
    this.result = result;
    this.body = body;
    this.error = error;
  }
}

/** Calls methods on RPC servers; its reply queue and consumer come back by themselves after a reconnect. */
export class RpcClient extends EventEmitter<RpcClientEvents> {
  readonly #connection: RpcConnection;
  readonly #defaultTimeoutMs: number;
  readonly #keeper: Keeper;
  readonly #pending = new Map<string, Pending>();
  readonly #idPrefix = `${randomBytes(6).toString('hex')}.`;
  #seq = 0;
  #channel: Channel | undefined;
  #replyTo = '';
  #closed = false;

  constructor(connection: RpcConnection, options: { defaultTimeoutMs?: number } = {}) {
    super();
    this.#connection = connection;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 5000;
    this.#keeper = new Keeper(connection, {
      build: () => this.#build(),
      drop: (error) => this.#drop(error),
      error: (error) => this.listenerCount('error') > 0 && this.emit('error', { error }),
    });
  }

  /** Opens the channel and the exclusive reply queue; resolves once calls can be made. */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new RpcError('UNAVAILABLE', 'client closed'));
    return this.#keeper.start();
  }

  /** Calls still waiting for their reply. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Calls `method` on the server consuming `queue`. The request is validated before it is sent
   * (BAD_REQUEST) and the result after it arrives (REMOTE). A call made while the client has no
   * channel (broker down, reconnecting, not started, closed) fails fast with UNAVAILABLE rather
   * than waiting: the caller owns the retry policy, and a queue of calls that fires after a
   * reconnect would deliver stale intentions. A disconnect rejects every call in flight the same way.
   */
  call<C extends Contract, M extends MethodName<C>>(
    queue: string,
    contract: C,
    method: M,
    request: RequestOf<C, M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<C, M>> {
    return this.send(queue, this.prepare(contract, method, request), options);
  }

  /**
   * Validates and encodes a request once, for `send` to many queues (a fan-out: the profile of
   * bench/fanout showed the same config validated and serialised once per agent). The request
   * must not change afterwards. A request that fails validation is refused by each `send`.
   */
  prepare<C extends Contract, M extends MethodName<C>>(
    contract: C,
    method: M,
    request: RequestOf<C, M>,
  ): PreparedRequest<C, M> {
    const spec = Object.hasOwn(contract, method) ? contract[method] : undefined;
    const refused = (code: RpcErrorCode, message: string, cause?: unknown) =>
      new PreparedRequest<C, M>(
        method,
        undefined,
        undefined,
        new RpcError(code, message, { cause }),
      );
    if (!spec) return refused('UNKNOWN_METHOD', `${method} is not in the contract`);
    const valid = spec.request.safeParse(request);
    if (!valid.success) return refused('BAD_REQUEST', formatIssues(valid.error, 'request'));
    try {
      return new PreparedRequest<C, M>(method, spec.result, Buffer.from(JSON.stringify(request)));
    } catch (cause) {
      return refused('BAD_REQUEST', `request is not serialisable: ${messageOf(cause)}`, cause);
    }
  }

  /** Sends a prepared request to the server consuming `queue`; otherwise as `call`. */
  send<C extends Contract, M extends MethodName<C>>(
    queue: string,
    prepared: PreparedRequest<C, M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<C, M>> {
    const startedAt = performance.now();
    const { method, result, body, error } = prepared;
    const refuse = (code: RpcErrorCode, message: string, cause?: unknown) => {
      this.#emitCall(queue, method, code, startedAt);
      return Promise.reject(new RpcError(code, message, { cause }));
    };
    if (error || !result || !body) {
      return refuse(error?.code ?? 'BAD_REQUEST', error?.message ?? 'invalid', error?.cause);
    }
    const channel = this.#channel;
    if (!channel || this.#closed) return refuse('UNAVAILABLE', 'not connected to RabbitMQ');
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const id = this.#idPrefix + (++this.#seq).toString(36);
    return new Promise<ResultOf<C, M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `${method} on ${queue}: no reply within ${timeoutMs} ms`;
        this.#settle(id, new RpcError('TIMEOUT', message));
      }, timeoutMs);
      const settle = resolve as (value: unknown) => void;
      this.#pending.set(id, { queue, method, result, startedAt, timer, resolve: settle, reject });
      try {
        channel.publish('', queue, body, requestProperties(method, id, this.#replyTo, timeoutMs));
      } catch (cause) {
        const code = channel === this.#channel ? 'BAD_REQUEST' : 'UNAVAILABLE';
        this.#settle(id, new RpcError(code, `cannot publish: ${messageOf(cause)}`, { cause }));
      }
    });
  }

  /** Stops the client; calls in flight reject UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#keeper.stop();
    const channel = this.#channel;
    this.#drop(new Error('client closed'));
    await channel?.close().catch(() => undefined);
  }

  async #build(): Promise<void> {
    const channel = await this.#connection.createChannel();
    channel.on('error', () => undefined); // always followed by 'close'
    channel.on('close', () => {
      if (channel === this.#channel) this.#keeper.broken(new Error('reply channel closed'));
    });
    channel.on('return', (msg: Message) => this.#onReturn(msg));
    try {
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.consume(queue, (msg) => this.#onReply(msg), { noAck: true, exclusive: true });
      this.#replyTo = queue;
      this.#channel = channel;
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
  }

  #drop(error: Error): void {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) void channel.close().catch(() => undefined);
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, new RpcError('UNAVAILABLE', 'lost the broker connection', { cause: error }));
    }
  }

  #onReply(msg: ConsumeMessage | null): void {
    if (!msg) return this.#keeper.broken(new Error('reply consumer cancelled by the broker'));
    const id: unknown = msg.properties.correlationId;
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (!pending) return; // late (after TIMEOUT) or not ours: dropped
    const reply = decodeReply(msg.content);
    if (!reply.ok) return this.#settle(id as string, reply.error);
    const checked = checkResult(pending.result, reply.result, `${pending.queue} ${pending.method}`);
    if (!checked.ok) return this.#settle(id as string, new RpcError('REMOTE', checked.message));
    this.#settle(id as string, undefined, checked.result);
  }

  #onReturn(msg: Message): void {
    const id: unknown = msg.properties.correlationId;
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (!pending) return;
    const { replyText } = msg.fields as { replyText?: string };
    const message = `no queue ${pending.queue} to route ${pending.method} to (${replyText})`;
    this.#settle(id as string, new RpcError('UNROUTABLE', message));
  }

  #settle(id: string, error: RpcError | undefined, result?: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(result);
    this.#emitCall(pending.queue, pending.method, error ? error.code : 'ok', pending.startedAt);
  }

  #emitCall(queue: string, method: string, outcome: 'ok' | RpcErrorCode, startedAt: number): void {
    if (this.listenerCount('call') === 0) return;
    this.emit('call', { queue, method, outcome, durationMs: performance.now() - startedAt });
  }
}
