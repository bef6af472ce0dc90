// Hostile RPC: malformed messages published straight onto the controller's queue and an agent's
// queue (garbage, wrong types, 10 MB bodies, unknown methods, no reply queue), forged replies
// onto the controller's reply queue, and a simulated agent that answers after the timeout. Each
// message is answered or dropped, nothing crashes, the heap does not grow, late replies do not
// corrupt status. Traffic flows throughout; each scenario ends on the shared invariant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { waitFor } from '../../src/devservices/index.ts';
import { RpcClient, RpcConnection, controllerContract } from '../../src/rpc/index.ts';
import { testEnv } from '../support/env.ts';
import { FaultSystem } from '../support/faults-system.ts';
import { simpleSpec } from '../support/kube.ts';
import { RawPeer } from '../support/rpc-fixtures.ts';
import { metricSum } from '../support/system.ts';

let fs: FaultSystem;
let peer: RawPeer;
let prefix: string;
const MB10 = Buffer.alloc(10 << 20, 0x61);

/** Everything a misbehaving peer can send; `reply` is the error code expected back, if any. */
function hostile(
  method = 'GetIngressConfigs',
): { what: string; body: Buffer | string; props: object; reply?: string }[] {
  const v1 = { type: method, headers: { 'x-rpc-version': 1 }, contentType: 'application/json' };
  return [
    {
      what: 'garbage bytes',
      body: Buffer.from([0xff, 0, 0x13, 0x37]),
      props: v1,
      reply: 'BAD_REQUEST',
    },
    { what: 'wrong types', body: '{"name":42,"labels":"x"}', props: v1, reply: 'BAD_REQUEST' },
    { what: 'a JSON array', body: '[1,2,3]', props: v1, reply: 'BAD_REQUEST' },
    { what: 'null', body: 'null', props: v1, reply: 'BAD_REQUEST' },
    { what: 'a 10 MB body', body: MB10, props: v1, reply: 'BAD_REQUEST' },
    {
      what: 'an unknown method',
      body: '{}',
      props: { ...v1, type: 'DropAllTables' },
      reply: 'UNKNOWN_METHOD',
    },
    {
      what: 'a prototype method',
      body: '{}',
      props: { ...v1, type: '__proto__' },
      reply: 'UNKNOWN_METHOD',
    },
    { what: 'no method', body: '{}', props: { ...v1, type: undefined }, reply: 'UNKNOWN_METHOD' },
    {
      what: 'a wrong version',
      body: '{"name":"x"}',
      props: { ...v1, headers: { 'x-rpc-version': 99 } },
      reply: 'BAD_REQUEST',
    },
    { what: 'no reply queue', body: 'garbage', props: { ...v1, replyTo: undefined } },
    { what: 'a 10 MB body, no reply queue', body: MB10, props: { ...v1, replyTo: undefined } },
    {
      what: 'a reply queue that does not exist',
      body: '{}',
      props: { ...v1, replyTo: 'no.such.queue' },
    },
  ];
}

/** Publishes every hostile message onto `queue`; checks each reply that should come. */
async function barrage(queue: string, method?: string): Promise<void> {
  for (const m of hostile(method)) {
    const id = peer.publish(queue, m.body, m.props);
    if (!m.reply) continue;
    const reply = (await peer.reply(id)) as { ok: boolean; error?: { code: string } };
    assert.equal(reply.ok, false, m.what);
    assert.equal(reply.error?.code, m.reply, `${m.what}: ${JSON.stringify(reply)}`);
  }
}

/** The controller's heap plus external memory (Buffers), from its metrics. */
async function memory(port: number): Promise<number> {
  return (
    (await metricSum(port, 'nodejs_heap_size_used_bytes')) +
    (await metricSum(port, 'nodejs_external_memory_bytes'))
  );
}

/** An agent simulated on raw AMQP: heartbeats, and answers Set/Del promptly, late, or wrongly. */
class SimAgent {
  mode: 'prompt' | 'late' | 'wrong' = 'prompt';
  replyTo = '';
  /** Generations answered within the timeout (what the controller may call Synced). */
  readonly prompt = new Set<number>();
  #model: ChannelModel | undefined;
  #conn: RpcConnection | undefined;
  #beat: NodeJS.Timeout | undefined;
  #stopped = false;

  async start(): Promise<void> {
    this.#model = await amqp.connect(testEnv().amqpUrl);
    const ch: Channel = await this.#model.createChannel();
    const queue = `${prefix}ingress.agent.sim`;
    await ch.assertQueue(queue, {
      durable: true,
      arguments: { 'x-expires': 60_000, 'x-single-active-consumer': true },
    });
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      ch.ack(msg);
      const { replyTo, correlationId, type } = msg.properties as unknown as Record<string, string>;
      this.replyTo = replyTo ?? '';
      const req = JSON.parse(msg.content.toString()) as { config?: { generation: number } };
      const generation = req.config?.generation ?? 0;
      const result = type === 'SetIngressConfig' ? { generation } : {};
      const body =
        this.mode === 'wrong' ? { ok: true, result: { generation: 'x' } } : { ok: true, result };
      const send = () => {
        if (!this.#stopped)
          ch.sendToQueue(replyTo as string, Buffer.from(JSON.stringify(body)), { correlationId });
      };
      if (this.mode === 'late')
        setTimeout(send, 2_600); // RPC_TIMEOUT_MS is 2000
      else {
        if (this.mode === 'prompt' && type === 'SetIngressConfig') this.prompt.add(generation);
        send();
      }
    });
    this.#conn = new RpcConnection({ urls: [testEnv().amqpUrl] });
    await this.#conn.start();
    const client = new RpcClient(this.#conn);
    await client.start();
    const beat = () =>
      void client
        .call(`${prefix}ingress.controller`, controllerContract, 'OnlineAgent', {
          name: 'sim',
          labels: { zone: 'sim' },
          version: 'sim',
        })
        .catch(() => undefined);
    beat();
    this.#beat = setInterval(beat, 300);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#beat);
    await this.#conn?.close();
    await this.#model?.close().catch(() => undefined);
  }
}

describe('faults: hostile RPC', () => {
  before(async () => {
    fs = await FaultSystem.start();
    prefix = fs.system.options.rpcPrefix ?? '';
    await fs.startController();
    await fs.startAgent({ name: 'h1', labels: { zone: 'edge' } });
    await fs.ready();
    peer = await new RawPeer().open(testEnv().amqpUrl);
  });
  after(async () => {
    await peer?.close();
    assert.deepEqual(await fs?.stop(), []);
  });

  test('malformed and hostile messages on the controller and agent queues: answered or dropped, no crash, no memory growth', async (t) => {
    const port = fs.controllers[0]!.httpPort;
    const samples: number[] = [];
    const r = await fs.scenario(
      async () => {
        for (let round = 0; round < 4; round++) {
          await barrage(`${prefix}ingress.controller`);
          await barrage(`${prefix}ingress.agent.h1`, 'SetIngressConfig');
          samples.push(await memory(port));
        }
      },
      { traffic: { prefix: 'rpc' } },
    );
    const growthMb = ((samples.at(-1) as number) - (samples[0] as number)) / (1 << 20);
    t.diagnostic(
      `hostile RPC: ${hostile().length * 8} messages (${16} of 10 MB); controller heap+external after each round ${samples.map((s) => Math.round(s / (1 << 20))).join(', ')} MB; recovered in ${r.recoveryMs} ms`,
    );
    assert.ok(growthMb < 40, `memory grew ${growthMb.toFixed(1)} MB over three rounds of 40 MB`);
  });

  test('forged replies and an agent answering after the timeout do not corrupt status', async (t) => {
    const sim = new SimAgent();
    await sim.start();
    const bad: string[] = [];
    let timedOut = false;
    const r = await fs.scenario(
      async () => {
        sim.mode = 'late';
        await fs.wic.create(
          'simres',
          simpleSpec('sim.example.com', undefined, {
            agentSelector: { matchLabels: { zone: 'sim' } },
          }),
        );
        const watch = setInterval(() => {
          void fs.wic.get('simres').then(
            (o) => {
              for (const a of o?.status?.agents ?? []) {
                if (a.name !== 'sim') continue;
                if (/TIMEOUT/.test(a.message ?? '')) timedOut = true;
                if (a.state === 'Synced' && !sim.prompt.has(a.generation ?? 0))
                  bad.push(`sim Synced at generation ${a.generation}, never answered in time`);
              }
            },
            () => undefined,
          );
        }, 100);
        try {
          await waitFor(() => timedOut && sim.replyTo, {
            timeoutMs: 15_000,
            what: 'a TIMEOUT for sim',
          });
          await fs.wic.patch('simres', {
            spec: simpleSpec('sim2.example.com', undefined, {
              agentSelector: { matchLabels: { zone: 'sim' } },
            }),
          });
          // Forged replies onto the controller's reply queue, while real calls are in flight.
          for (const body of [
            'garbage',
            '{"ok":true,"result":{"generation":999}}',
            '{"ok":false}',
            MB10,
          ]) {
            peer.channel.sendToQueue(sim.replyTo, Buffer.from(body), {
              correlationId: 'forged-id',
            });
            peer.channel.sendToQueue(sim.replyTo, Buffer.from(body), {});
          }
          sim.mode = 'wrong';
          await fs.wic.waitFor(
            'simres',
            (o) => /invalid result/.test(o.status?.agents?.[0]?.message ?? ''),
            'a REMOTE invalid result',
          );
          sim.mode = 'prompt';
          await fs.wic.waitForStatus('simres', '1/1', 'AllAgentsSynced');
        } finally {
          clearInterval(watch);
        }
        await fs.wic.delete('simres');
        await waitFor(async () => (await fs.wic.get('simres')) === undefined, {
          timeoutMs: 10_000,
          what: 'simres gone',
        });
        await sim.stop();
        await waitFor(async () => (await fs.metric('wise2c_live_agents')) === 1, {
          timeoutMs: 10_000,
          what: 'sim to leave',
        });
      },
      { traffic: { prefix: 'late' } },
    );
    assert.deepEqual(bad, []);
    t.diagnostic(
      `late and forged replies: status never Synced without a timely answer; recovered in ${r.recoveryMs} ms`,
    );
  });
});
