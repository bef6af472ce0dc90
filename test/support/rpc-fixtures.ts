// Shared pieces of the rpc tests: a test contract, its handlers, unique names, raw AMQP access.
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import { z } from 'zod';
import { waitFor } from '../../src/devservices/index.ts';
import { RpcError, type Contract, type Handlers } from '../../src/rpc/index.ts';

/** A contract with one method per behaviour the tests need. */
export const testContract = {
  Echo: {
    request: z.strictObject({ n: z.number().int() }),
    result: z.strictObject({ n: z.number().int(), by: z.string() }),
  },
  Fail: {
    request: z.strictObject({ message: z.string(), rpc: z.boolean().optional() }),
    result: z.strictObject({}),
  },
  Wrong: { request: z.strictObject({}), result: z.strictObject({ n: z.number() }) },
  Hang: { request: z.strictObject({ id: z.string() }), result: z.strictObject({ id: z.string() }) },
} satisfies Contract;

/** A unique queue name per test, so tests never see each other's messages. */
export function uniqueQueue(label: string): string {
  return `rpc-test.${label}.${randomUUID().slice(0, 8)}`;
}

/** Handlers that answer as `by`; Hang waits until `release(id)` is called (every delivery of it). */
export function testHandlers(by: string): Handlers<typeof testContract> & {
  release(id: string): void;
  served: number;
} {
  const waiting = new Map<string, (() => void)[]>();
  const handlers = {
    served: 0,
    Echo({ n }: { n: number }) {
      handlers.served++;
      return Promise.resolve({ n, by });
    },
    // Throws synchronously on purpose: the server must cope with handlers that are not async.
    Fail({ message, rpc }: { message: string; rpc?: boolean | undefined }): Promise<never> {
      throw rpc ? new RpcError('BAD_REQUEST', message) : new Error(message);
    },
    Wrong() {
      return Promise.resolve({ n: 'not a number' as unknown as number });
    },
    async Hang({ id }: { id: string }) {
      await new Promise<void>((resolve) => waiting.set(id, [...(waiting.get(id) ?? []), resolve]));
      return { id };
    },
    release(id: string) {
      for (const resolve of waiting.get(id) ?? []) resolve();
      waiting.delete(id);
    },
  };
  return handlers;
}

/** Raw amqplib access for publishing what a misbehaving peer would, and reading the replies. */
export class RawPeer {
  readonly replies = new Map<string, ConsumeMessage>();
  replyTo = '';
  #model: ChannelModel | undefined;
  #channel: Channel | undefined;

  async open(url: string): Promise<this> {
    this.#model = await amqp.connect(url);
    this.#channel = await this.#model.createChannel();
    this.replyTo = (await this.#channel.assertQueue('', { exclusive: true })).queue;
    await this.#channel.consume(
      this.replyTo,
      (msg) => msg && this.replies.set(String(msg.properties.correlationId), msg),
      { noAck: true },
    );
    return this;
  }

  get channel(): Channel {
    if (!this.#channel) throw new Error('RawPeer not open');
    return this.#channel;
  }

  /** Publishes raw bytes onto `queue` with a fresh correlationId; returns the id. */
  publish(queue: string, body: Buffer | string, options: Options.Publish = {}): string {
    const correlationId = randomUUID();
    const props = { correlationId, replyTo: this.replyTo, ...options };
    this.channel.sendToQueue(queue, Buffer.from(body), props);
    return correlationId;
  }

  /** The parsed reply to `correlationId`, once it arrives. */
  async reply(correlationId: string): Promise<unknown> {
    const msg = await waitFor(() => this.replies.get(correlationId), {
      timeoutMs: 5_000,
      what: `reply ${correlationId}`,
    });
    return JSON.parse(msg.content.toString()) as unknown;
  }

  async close(): Promise<void> {
    await this.#model?.close().catch(() => undefined);
  }
}
