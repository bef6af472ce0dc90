// `npm run bench -- fanout`: one resource pushed to N simulated agents by IngressReconciler (in-memory
// cache and writer, the real RpcClient-based pusher, FANOUT_CONCURRENCY 64): time from the start of
// the reconcile to the last reply, against plain amqplib request/reply to the same agents with the
// same in-flight bound and no project code, in alternating repeats on one broker.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RabbitServer } from '../src/devservices/index.ts';
import { rpcPusher } from '../src/reconciler/adapters.ts';
import { ControllerMetrics } from '../src/reconciler/metrics.ts';
import { IngressReconciler } from '../src/reconciler/reconcile.ts';
import type { IngressObject } from '../src/reconciler/types.ts';
import { toCached } from '../src/reconciler/cached.ts';
import { RpcClient, RpcConnection } from '../src/rpc/index.ts';
import { pidsMatching, procCpuMs, selfCpuMs } from './lib/cpu.ts';
import { fmt, percentile, table, type BenchResult } from './lib/report.ts';
import { benchSpec, rawRound, type Round } from './lib/raw-fanout.ts';
import { SimAgents, type SimAgent } from './lib/sim-agents.ts';

const SIZES = (process.env.W2I_BENCH_SIZES ?? '10,100,1000,5000').split(',').map(Number);
const REPEATS: Record<number, number> = { 10: 40, 100: 30, 1000: 12, 5000: 6 };
const CONCURRENCY = 64;
const WORKERS = 3;
const PREFIX = 'bench.';
const silent = pino({ level: 'silent' });

/** The project's path: IngressReconciler.reconcile with in-memory ports and the RpcClient pusher. */
async function projectRound(url: string): Promise<{ round: Round; close: () => Promise<void> }> {
  const conn = new RpcConnection({ urls: [url] });
  await conn.start();
  const client = new RpcClient(conn);
  await client.start();
  // The controller's own pusher and RPC metrics (src/reconciler/controller.ts), leadership assumed.
  const pusher = rpcPusher(client, PREFIX, () => undefined);
  const metrics = new ControllerMetrics();
  client.on('call', ({ method, outcome, durationMs }) => {
    metrics.rpcCalls.inc({ method, outcome });
    metrics.rpcDuration.observe({ method }, durationMs / 1000);
  });
  let obj: IngressObject = {
    metadata: {
      name: 'fanout',
      namespace: 'default',
      uid: 'a0b1c2d3-0000-4000-8000-000000000001',
      generation: 1,
      finalizers: ['ingress.wise2c.com/agents-cleanup'],
    },
    spec: benchSpec('fanout.example.com'),
  };
  let live: { name: string; labels: Record<string, string> }[] = [];
  let lastReply = 0;
  const reconciler = new IngressReconciler({
    cache: { get: () => toCached(obj), list: () => [toCached(obj)] },
    writer: {
      patchStatus: (o, status) => ((obj = { ...o, status }), Promise.resolve()),
      setFinalizers: () => Promise.resolve(),
    },
    events: { record: () => undefined },
    pusher: {
      set: async (agent, config) => {
        const reply = await pusher.set(agent, config);
        lastReply = performance.now();
        return reply;
      },
      del: (agent, ref) => pusher.del(agent, ref),
    },
    agents: { list: () => live },
    clock: { now: () => new Date() },
    fanoutConcurrency: CONCURRENCY,
    statusAgentsMax: 100,
  });
  return {
    round: async (agents, generation) => {
      live = agents.map((name) => ({ name, labels: {} }));
      obj = { ...obj, metadata: { ...obj.metadata, generation } };
      const t0 = performance.now();
      await reconciler.reconcile('default/fanout', silent);
      const synced = obj.status?.summary?.synced;
      if (synced !== agents.length) throw new Error(`synced ${synced} of ${agents.length}`);
      return lastReply - t0;
    },
    close: async () => {
      await client.close();
      await conn.close();
    },
  };
}

/** Runs every size and returns the BENCHMARKS.md section. */
export async function run(): Promise<BenchResult> {
  const load = os.loadavg()[0]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w2i-bench-fanout-'));
  const rabbit = await RabbitServer.start(dir);
  const max = Math.max(...SIZES);
  const agents: SimAgent[] = Array.from({ length: max }, (_, i) => ({
    name: `sim-${String(i).padStart(5, '0')}`,
    labels: {},
  }));
  const rows: (string | number)[][] = [];
  const ratios = new Map<number, number>();
  let sim: SimAgents | undefined;
  let startupMs: number | undefined;
  const broker = pidsMatching(path.join(dir, 'home'));
  const cpuRows: (string | number)[][] = [];
  try {
    const t0 = performance.now();
    const started = await SimAgents.start({
      amqpUrl: rabbit.url,
      prefix: PREFIX,
      agents,
      workers: WORKERS,
      raw: true,
    });
    sim = started;
    startupMs = performance.now() - t0;
    const ours = await projectRound(rabbit.url);
    const raw = await rawRound(rabbit.url, PREFIX, CONCURRENCY);
    try {
      let generation = 1;
      for (const n of SIZES) {
        const names = agents.slice(0, n).map((a) => a.name);
        // Warm-up: one round each (connections, JIT, the broker's queue processes).
        await ours.round(names, ++generation);
        await raw.round(names, generation);
        const repeats = REPEATS[n] ?? 5;
        const times: [number[], number[]] = [[], []];
        const cpu = [
          [0, 0, 0],
          [0, 0, 0],
        ] as [number, number, number][];
        for (let r = 0; r < repeats; r++) {
          for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
            const before = [selfCpuMs(), await started.cpuMs(), procCpuMs(broker)];
            const ms =
              k === 0 ? await ours.round(names, ++generation) : await raw.round(names, generation);
            times[k]?.push(ms);
            const after = [selfCpuMs(), await started.cpuMs(), procCpuMs(broker)];
            after.forEach((v, i) => (cpu[k]![i]! += v - before[i]!));
          }
        }
        // CPU ms per 1,000 round trips: caller, agents, broker.
        const per = (k: number) => cpu[k]!.map((ms) => (ms * 1000) / (n * repeats));
        cpuRows.push([n, ...per(0).map((v) => fmt(v)), ...per(1).map((v) => fmt(v))]);
        const [mine, base] = times;
        const ratio = percentile(
          mine.map((ms, r) => (base[r] as number) / ms),
          50,
        );
        ratios.set(n, ratio);
        const rate = (sample: number[]) => (n * 1000) / percentile(sample, 50);
        rows.push([
          n,
          repeats,
          fmt(percentile(mine, 50)),
          fmt(percentile(mine, 99)),
          fmt(rate(mine)),
          fmt(percentile(base, 50)),
          fmt(percentile(base, 99)),
          fmt(rate(base)),
          `${(ratio * 100).toFixed(0)}%`,
        ]);
        process.stdout.write(
          `fanout ${n}: ${rows.at(-1)?.join(' | ')} | cpu ${cpuRows.at(-1)?.join(' ')}\n`,
        );
      }
    } finally {
      await ours.close();
      await raw.close();
    }
  } finally {
    await sim?.stop();
    await rabbit.close();
    await rm(dir, { recursive: true, force: true });
  }
  const p99At1000 = rows.find((r) => r[0] === 1000)?.[3];
  const worst = Math.min(...ratios.values());
  return {
    title: 'Fan-out: one resource pushed to N simulated agents',
    body: table(
      [
        'agents',
        'repeats',
        'reconcile→last reply p50 ms',
        'p99 ms',
        'round trips/s',
        'amqplib baseline p50 ms',
        'p99 ms',
        'round trips/s',
        'ratio',
      ],
      rows,
    )
      .concat(
        '\n\nCPU ms per 1,000 round trips (from /proc and process.cpuUsage over the measured repeats):\n\n',
      )
      .concat(
        table(
          ['agents', 'ours: caller', 'agents', 'broker', 'baseline: caller', 'agents', 'broker'],
          cpuRows,
        ),
      ),
    summary:
      `IngressReconciler.reconcile (in-memory cache and status writer, RpcClient pusher, FANOUT_CONCURRENCY ${CONCURRENCY}) ` +
      `against plain amqplib publish + reply (${CONCURRENCY} in flight, the same ~400-byte request, no project code on either side) ` +
      `to the same agents, alternating per repeat; ${max} simulated agents in ${WORKERS} worker processes (project side: one RpcServer per agent queue; baseline side: a plain consumer per agent), ` +
      `started in ${fmt((startupMs ?? Number.NaN) / 1000)} s; RabbitMQ 3.10 on the same 2-core machine (load average ${load.toFixed(1)} at start). ` +
      `Round trips/s from the p50 time; ratio: median of the paired per-repeat ratios (baseline time / ours). ` +
      `Goals: 1,000 agents p99 under 250 ms (measured ${p99At1000 ?? '-'} ms); round trips at ≥ 80% of the baseline (worst size ${(worst * 100).toFixed(0)}%).`,
  };
}
