// Simulated ingress agents for the benchmarks: one child process serves many agents, each on its
// own single-mode queue with the project's RpcServer and agentContract, answering Set/Del at once
// (keeping each config's generation, as an agent does). Optionally each agent also heartbeats
// OnlineAgent on the controller queue (so a real controller sees it live) and serves a second,
// plain amqplib consumer on `<prefix>raw.agent.<name>` for the fan-out's no-project-code baseline.
// `SimAgents.start()` forks the workers; the same file is the worker (W2I_SIM_AGENTS set).
import { fork, type ChildProcess } from 'node:child_process';
import amqp, { type Channel } from 'amqplib';
import {
  RpcClient,
  RpcConnection,
  RpcServer,
  agentContract,
  agentQueue,
  controllerContract,
  controllerQueue,
} from '../../src/rpc/index.ts';

/** One simulated agent. */
export interface SimAgent {
  name: string;
  labels: Record<string, string>;
}

export interface SimAgentsOptions {
  amqpUrl: string;
  prefix: string;
  agents: SimAgent[];
  /** Worker processes; agent i goes to worker i % workers, so any prefix of the list is spread. */
  workers: number;
  /** Heartbeat OnlineAgent every intervalMs (spread evenly); absent: no heartbeats. */
  heartbeatMs?: number;
  /** Also serve the plain amqplib baseline queue of each agent. */
  raw?: boolean;
}

interface WorkerConfig {
  amqpUrl: string;
  prefix: string;
  agents: SimAgent[];
  heartbeatMs?: number;
  raw?: boolean;
}

/** What the workers handled, summed. */
export interface SimStats {
  sets: number;
  dels: number;
  raw: number;
  beatsOk: number;
  beatsFailed: number;
}

/** The name of an agent's baseline queue. */
export function rawQueue(name: string, prefix: string): string {
  return `${prefix}raw.agent.${name}`;
}

/** Agents per AMQP connection: each RpcServer opens 2 channels; RabbitMQ allows 2047 per connection. */
const PER_CONNECTION = 300;

type Msg = { type: string; [key: string]: unknown };

/** Forked worker processes serving simulated agents. */
export class SimAgents {
  readonly #procs: ChildProcess[];

  private constructor(procs: ChildProcess[]) {
    this.#procs = procs;
  }

  /** Forks the workers and resolves once every agent's queue is consumed. */
  static async start(options: SimAgentsOptions): Promise<SimAgents> {
    const groups: SimAgent[][] = Array.from({ length: options.workers }, () => []);
    options.agents.forEach((agent, i) => groups[i % options.workers]?.push(agent));
    const procs = groups
      .filter((g) => g.length > 0)
      .map((agents) => {
        const config: WorkerConfig = {
          amqpUrl: options.amqpUrl,
          prefix: options.prefix,
          agents,
          ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
          ...(options.raw ? { raw: true } : {}),
        };
        const child = fork(import.meta.filename, [], {
          env: { ...process.env, W2I_SIM_AGENTS: '1' },
          // W2I_BENCH_PROFILE_DIR: each worker writes a CPU profile there when it exits.
          execArgv: process.env.W2I_BENCH_PROFILE_DIR
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.W2I_BENCH_PROFILE_DIR}`]
            : [],
        });
        return { child, config };
      });
    const sim = new SimAgents(procs.map((p) => p.child));
    try {
      await Promise.all(
        procs.map((p) => ask(p.child, { type: 'config', config: p.config }, 'ready')),
      );
    } catch (error) {
      await sim.stop();
      throw error;
    }
    return sim;
  }

  /** Sums the workers' counters. */
  async stats(): Promise<SimStats> {
    const all = await Promise.all(this.#procs.map((p) => ask(p, { type: 'stats' }, 'stats')));
    const sum = (k: keyof SimStats) => all.reduce((n, s) => n + (s[k] as number), 0);
    return {
      sets: sum('sets'),
      dels: sum('dels'),
      raw: sum('raw'),
      beatsOk: sum('beatsOk'),
      beatsFailed: sum('beatsFailed'),
    };
  }

  /** CPU time (ms, user + system) the workers have used so far. */
  async cpuMs(): Promise<number> {
    const all = await Promise.all(this.#procs.map((p) => ask(p, { type: 'cpu' }, 'cpu')));
    return all.reduce((n, m) => n + (m.ms as number), 0);
  }

  /** Stops heartbeating (the controller will see every agent leave after its TTL). */
  async silence(): Promise<void> {
    await Promise.all(this.#procs.map((p) => ask(p, { type: 'silence' }, 'silenced')));
  }

  /** Ends every worker (they close their connections; SIGKILL after 5 s). */
  async stop(): Promise<void> {
    await Promise.all(
      this.#procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.send({ type: 'exit' });
        const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Sends `msg` (unless a noop) and waits for a reply of type `type` (or the child's death). */
function ask(child: ChildProcess, msg: Msg, type: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Msg) => {
      if (m.type !== type) return;
      child.off('message', onMessage).off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`simulated-agent worker exited with ${code}`));
    };
    child.on('message', onMessage).once('exit', onExit);
    child.send(msg);
  });
}

/** Runs up to `limit` of the tasks at once. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The worker: serves its agents until told to exit. */
async function workerMain(config: WorkerConfig): Promise<void> {
  const stats: SimStats = { sets: 0, dels: 0, raw: 0, beatsOk: 0, beatsFailed: 0 };
  const connections: RpcConnection[] = [];
  const servers: RpcServer<typeof agentContract>[] = [];
  const rawModels: amqp.ChannelModel[] = [];
  const groups: SimAgent[][] = [];
  for (let i = 0; i < config.agents.length; i += PER_CONNECTION)
    groups.push(config.agents.slice(i, i + PER_CONNECTION));
  await inBatches(groups, 4, async (group) => {
    const conn = new RpcConnection({ urls: [config.amqpUrl], heartbeatSeconds: 30 });
    connections.push(conn);
    await conn.start();
    await inBatches(group, 32, async (agent) => {
      const held = new Map<string, number>();
      const server = new RpcServer(conn, {
        queue: agentQueue(agent.name, config.prefix),
        mode: 'single',
        contract: agentContract,
        handlers: {
          SetIngressConfig: ({ config: c }) => {
            stats.sets++;
            const generation = Math.max(held.get(c.uid) ?? 0, c.generation);
            held.set(c.uid, generation);
            return Promise.resolve({ generation });
          },
          DelIngressConfig: ({ uid }) => {
            stats.dels++;
            held.delete(uid);
            return Promise.resolve({});
          },
        },
      });
      servers.push(server);
      await server.start();
    });
    if (config.raw) rawModels.push(await serveRaw(config, group, stats));
  });
  const beats = config.heartbeatMs ? await heartbeat(config, stats) : undefined;
  process.on('message', (msg: Msg) => {
    if (msg.type === 'stats') process.send?.({ type: 'stats', ...stats });
    if (msg.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', ms: (user + system) / 1000 });
    }
    if (msg.type === 'silence') {
      beats?.stop();
      process.send?.({ type: 'silenced' });
    }
    if (msg.type === 'exit') {
      beats?.stop();
      void (async () => {
        await beats?.close();
        await Promise.allSettled(servers.map((s) => s.stop()));
        await Promise.allSettled(rawModels.map((m) => m.close()));
        await Promise.allSettled(connections.map((c) => c.close()));
        process.exit(0);
      })();
    }
  });
  process.send?.({ type: 'ready' });
}

/** The baseline's agents: plain amqplib consumers that parse the request and reply at once. */
async function serveRaw(config: WorkerConfig, group: SimAgent[], stats: SimStats) {
  const model = await amqp.connect(config.amqpUrl, { noDelay: true });
  const channel: Channel = await model.createChannel();
  await channel.prefetch(64);
  const held = new Map<string, Map<string, number>>();
  for (const agent of group) {
    const queue = rawQueue(agent.name, config.prefix);
    const mine = new Map<string, number>();
    held.set(agent.name, mine);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-expires': 60_000, 'x-single-active-consumer': true },
    });
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      stats.raw++;
      const { config: c } = JSON.parse(msg.content.toString()) as {
        config: { uid: string; generation: number };
      };
      const generation = Math.max(mine.get(c.uid) ?? 0, c.generation);
      mine.set(c.uid, generation);
      const { replyTo, correlationId } = msg.properties as {
        replyTo: string;
        correlationId: string;
      };
      channel.sendToQueue(
        replyTo,
        Buffer.from(JSON.stringify({ ok: true, result: { generation } })),
        {
          correlationId,
        },
      );
      channel.ack(msg);
    });
  }
  return model;
}

/** Every agent calls OnlineAgent once per heartbeatMs, spread evenly over the period. */
async function heartbeat(config: WorkerConfig, stats: SimStats) {
  const conn = new RpcConnection({ urls: [config.amqpUrl] });
  await conn.start();
  const client = new RpcClient(conn, { defaultTimeoutMs: 5000 });
  await client.start();
  const period = config.heartbeatMs as number;
  const count = config.agents.length;
  const beat = (agent: SimAgent) =>
    client
      .call(controllerQueue(config.prefix), controllerContract, 'OnlineAgent', {
        name: agent.name,
        labels: agent.labels,
        version: 'sim',
      })
      .then(
        () => stats.beatsOk++,
        () => stats.beatsFailed++,
      );
  // Everyone beats at once first, so the controller sees the whole roster on its next refresh.
  for (const agent of config.agents) void beat(agent);
  let sent = count;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = count + Math.floor(((performance.now() - t0) * count) / period);
    for (; sent < due; sent++) void beat(config.agents[sent % count] as SimAgent);
  }, 20);
  return {
    stop: () => clearInterval(timer),
    close: async () => {
      clearInterval(timer);
      await client.close();
      await conn.close();
    },
  };
}

if (process.env.W2I_SIM_AGENTS && process.send) {
  process.once('message', (msg: Msg) => void workerMain(msg.config as WorkerConfig));
}
