// `npm run bench -- heartbeat`: 5,000 and 20,000 simulated agents beating every 2 s against one
// controller-side registry process (the LB RpcServer with registryHandlers and a RosterWatcher).
// The same file is the registry process and the agent workers (W2I_HEARTBEAT_ROLE), forked.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RabbitServer, RedisServer } from '../src/devservices/index.ts';
import { AgentRegistry, RosterWatcher, registryHandlers } from '../src/registry/index.ts';
import {
  RpcClient,
  RpcConnection,
  RpcServer,
  controllerContract,
  controllerQueue,
} from '../src/rpc/index.ts';
import { fmt, percentile, table, type BenchResult } from './lib/report.ts';

const PERIOD_MS = 2000;
const WARMUP_MS = 6000;
const WINDOW_MS = 10_000;
const SIZES = (process.env.W2I_BENCH_SIZES ?? '5000,20000').split(',').map(Number);
const PREFIX = 'bench.';

type Msg = { type: string; [key: string]: unknown };
const send = (msg: Msg) => process.send?.(msg);
const reply = (child: ChildProcess, type: string) =>
  new Promise<Msg>((resolve) => {
    const on = (msg: Msg) => msg.type === type && (child.off('message', on), resolve(msg));
    child.on('message', on);
  });

/** The registry process: serves the LB queue, watches the roster, measures itself on request. */
async function registryMain(): Promise<void> {
  const redis = new Redis(process.env.W2I_REDIS_URL!);
  const registry = new AgentRegistry(redis, { prefix: 'bench:', ttlMs: 3000 });
  const conn = new RpcConnection({ urls: [process.env.W2I_AMQP_URL!] });
  await conn.start();
  let beats = 0;
  const server = new RpcServer(conn, {
    queue: controllerQueue(PREFIX),
    mode: 'lb',
    contract: controllerContract,
    handlers: {
      ...registryHandlers(registry),
      GetIngressConfigs: () => Promise.resolve({ configs: [] }),
    },
  });
  server.on('request', ({ outcome }) => outcome === 'ok' && beats++);
  await server.start();
  const watcher = new RosterWatcher(registry);
  const refreshes: number[] = [];
  let agents = 0;
  watcher.on('refreshed', (s) => (refreshes.push(s.durationMs), (agents = s.agents)));
  watcher.start();
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  process.on('message', (msg: Msg) => {
    if (msg.type === 'exit') process.exit(0);
    if (msg.type === 'begin') {
      eld.reset();
      refreshes.length = 0;
      beats = 0;
      const profiling = profile();
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      process.once('message', async () => {
        const used = process.cpuUsage(cpu);
        const wallMs = performance.now() - t0;
        await profiling?.();
        send({
          type: 'measured',
          cpuShare: (used.user + used.system) / 1000 / wallMs,
          beatsPerS: (beats * 1000) / wallMs,
          eldP50: eld.percentile(50) / 1e6,
          eldP99: eld.percentile(99) / 1e6,
          eldMax: eld.max / 1e6,
          refreshP50: percentile(refreshes, 50),
          refreshMax: Math.max(...refreshes),
          agents,
        });
      });
    }
  });
  send({ type: 'ready' });
}

/** An agents worker: `count` agents, each calling OnlineAgent every PERIOD_MS, evenly spread. */
async function agentsMain(): Promise<void> {
  const first = Number(process.env.W2I_FIRST);
  const count = Number(process.env.W2I_COUNT);
  const conn = new RpcConnection({ urls: [process.env.W2I_AMQP_URL!] });
  await conn.start();
  const client = new RpcClient(conn, { defaultTimeoutMs: 5000 });
  await client.start();
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  const fail = (error: { code?: string }) => {
    failed++;
    const code = error.code ?? 'other';
    reasons[code] = (reasons[code] ?? 0) + 1;
  };
  const t0 = performance.now();
  setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * count) / PERIOD_MS);
    for (; sent < due; sent++) {
      const name = `bench-agent-${first + (sent % count)}`;
      const started = performance.now();
      client
        .call(controllerQueue(PREFIX), controllerContract, 'OnlineAgent', {
          name,
          labels: { zone: `z${sent % 3}` },
          version: '0.1.0',
        })
        .then(() => (ok++, sent % 10 === 0 && latencies.push(performance.now() - started)), fail);
    }
  }, 10);
  process.on('message', (msg: Msg) => {
    if (msg.type === 'reset') latencies.length = ok = failed = 0;
    if (msg.type === 'stats') send({ type: 'stats', ok, failed, latencies, reasons });
  });
  send({ type: 'ready' });
}

function spawnRole(role: string, env: Record<string, string>): ChildProcess {
  return fork(import.meta.filename, [], {
    env: { ...process.env, ...env, W2I_HEARTBEAT_ROLE: role },
  });
}

/** Runs both sizes and returns the table for BENCHMARKS.md. */
export async function run(): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w2i-bench-heartbeat-'));
  const [redisServer, rabbit] = await Promise.all([
    RedisServer.start(path.join(dir, 'redis')),
    RabbitServer.start(path.join(dir, 'rabbitmq')),
  ]);
  const env = { W2I_REDIS_URL: redisServer.url, W2I_AMQP_URL: rabbit.url };
  const redis = new Redis(redisServer.url);
  const registryProc = spawnRole('registry', env);
  const rows: (string | number)[][] = [];
  const raw: { target: number; beatsPerS: number; cpuShare: number }[] = [];
  try {
    await reply(registryProc, 'ready');
    for (const size of SIZES) {
      await redis.flushall();
      const workers = size > 5000 ? 2 : 1;
      const per = size / workers;
      const procs = Array.from({ length: workers }, (_, w) =>
        spawnRole('agents', { ...env, W2I_FIRST: String(w * per), W2I_COUNT: String(per) }),
      );
      await Promise.all(procs.map((p) => reply(p, 'ready')));
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      for (const p of procs) p.send({ type: 'reset' });
      const cmdsBefore = await commands(redis);
      registryProc.send({ type: 'begin' });
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const measuredP = reply(registryProc, 'measured');
      registryProc.send({ type: 'end' });
      const m = await measuredP;
      const cmdsPerS = ((await commands(redis)) - cmdsBefore) / (WINDOW_MS / 1000);
      const stats = await Promise.all(
        procs.map((p) => (p.send({ type: 'stats' }), reply(p, 'stats'))),
      );
      const lat = stats.flatMap((s) => s.latencies as number[]);
      const failed = stats.reduce((n, s) => n + (s.failed as number), 0);
      if (failed > 0)
        process.stderr.write(`${size}: failed ${JSON.stringify(stats.map((s) => s.reasons))}\n`);
      for (const p of procs) p.kill('SIGKILL');
      const n = (k: string) => m[k] as number;
      raw.push({
        target: size / (PERIOD_MS / 1000),
        beatsPerS: n('beatsPerS'),
        cpuShare: n('cpuShare'),
      });
      rows.push([
        size,
        fmt(size / (PERIOD_MS / 1000)),
        fmt(n('beatsPerS')),
        `${fmt(n('cpuShare') * 100)}%`,
        `${fmt(n('eldP50'))} / ${fmt(n('eldP99'))} / ${fmt(n('eldMax'))}`,
        fmt(cmdsPerS),
        `${fmt(n('refreshP50'))} / ${fmt(n('refreshMax'))}`,
        n('agents'),
        `${fmt(percentile(lat, 50))} / ${fmt(percentile(lat, 99))}`,
        failed,
      ]);
    }
  } finally {
    const exited = new Promise((r) => registryProc.once('exit', r));
    registryProc.send({ type: 'exit' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    registryProc.kill('SIGKILL');
    redis.disconnect();
    await Promise.allSettled([redisServer.stop(), rabbit.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  const cost = raw.map((r) => ({ ...r, usPerBeat: (r.cpuShare * 1e6) / r.beatsPerS }));
  const full = cost.filter((r) => r.beatsPerS >= 0.95 * r.target);
  const big = cost.at(-1)!;
  const perBeat = (full.at(-1) ?? big).usPerBeat;
  const projected = (perBeat * 10_000) / 1e4;
  const verdict =
    big.beatsPerS >= 0.95 * big.target
      ? `measured ${fmt(big.cpuShare * 100)}% at 20,000: goal ${big.cpuShare < 0.25 ? 'met' : 'missed'}`
      : `not measurable here: this box delivered only ${fmt(big.beatsPerS)} of ${big.target} beats/s (RabbitMQ alone takes about one of the 2 shared cores); at ${fmt(perBeat)} µs of registry CPU per beat, 20,000 agents project to ${fmt(projected)}% of one core: goal missed`;
  return {
    title: 'Heartbeat registry: simulated agents against one controller-side registry process',
    body: table(
      [
        'agents',
        'target beats/s',
        'handled beats/s',
        'registry CPU (one core)',
        'CPU µs per beat',
        'event-loop delay p50/p99/max ms',
        'Redis cmds/s',
        'roster refresh p50/max ms',
        'roster size',
        'beat latency p50/p99 ms',
        'failed beats',
      ],
      rows.map((row, k) => [...row.slice(0, 4), fmt(cost[k]!.usPerBeat), ...row.slice(4)]),
    ),
    summary: `Registry process = LB RpcServer (prefetch 64) + registryHandlers (heartbeats within 10 ms share one MULTI) + RosterWatcher (1 s, with sweep); agents in 1-2 worker processes on the same machine; window ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up. Goal 20,000 agents under 25% of one core: ${verdict}. A CPU profile of the registry (W2I_BENCH_PROFILE=<file>) puts about 40% of its CPU in amqplib socket writes (one write per frame for every ack and reply, in the RPC server) and about 15% in ioredis; the registry's own code is under 2%. Batching heartbeats per 10 ms took the 5,000-agent share from about 21% to 15-19%; what remains is bounded by the per-message cost of the RPC server.`,
  };
}

/** W2I_BENCH_PROFILE=<file>: profiles the registry over the window; returns the stop-and-write step. */
function profile(): (() => Promise<void>) | undefined {
  const file = process.env.W2I_BENCH_PROFILE;
  if (!file) return undefined;
  const session = new inspector.Session();
  session.connect();
  const started = session.post('Profiler.enable').then(() => session.post('Profiler.start'));
  return async () => {
    await started;
    const { profile } = await session.post('Profiler.stop');
    await writeFile(`${file}.${process.pid}.cpuprofile`, JSON.stringify(profile));
  };
}

async function commands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

if (process.env.W2I_HEARTBEAT_ROLE === 'registry') await registryMain();
if (process.env.W2I_HEARTBEAT_ROLE === 'agents') await agentsMain();
