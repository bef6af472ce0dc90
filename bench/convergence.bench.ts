// `npm run bench -- convergence`: create → Ready through local-kube and the real Controller (a child
// process, default settings) for resources targeting 1, 100 and 1,000 live simulated agents
// (sequential creates, Ready seen on a watch); then a burst of 1,000 resources × 100 agents.
// Baseline, same run and broker: plain amqplib pushes to the same agents (bench/lib/raw-fanout.ts).
// W2I_BENCH_PROFILE=<dir>: a CPU profile of the controller over the burst.
import path from 'node:path';
import os from 'node:os';
import { benchSpec, rawRound } from './lib/raw-fanout.ts';
import { fmt, percentile, table, type BenchResult } from './lib/report.ts';
import { PREFIX, eachLimit, startSystem } from './lib/system.ts';
import type { SimAgent } from './lib/sim-agents.ts';

const SIZES = [1, 100, 1000];
const RESOURCES = Number(process.env.W2I_BENCH_RESOURCES ?? 50);
const BURST = Number(process.env.W2I_BENCH_BURST ?? 1000);
const BURST_AGENTS = 100;

/** The label that puts an agent in the first `size` agents. */
const group = (size: number) => ({ [`first${size}`]: 'yes' });

export async function run(): Promise<BenchResult> {
  const load = os.loadavg()[0]!;
  const agents: SimAgent[] = Array.from({ length: Math.max(...SIZES) }, (_, i) => ({
    name: `sim-${String(i).padStart(5, '0')}`,
    labels: Object.assign({}, ...SIZES.filter((s) => i < s).map(group)) as Record<string, string>,
  }));
  const system = await startSystem({ name: 'convergence', agents, workers: 2, raw: true });
  const rows: (string | number)[][] = [];
  let burstRow: (string | number)[] | undefined;
  let burstRate: number | undefined;
  let rawBurstRate: number | undefined;
  try {
    const raw = await rawRound(system.rabbit.url, PREFIX);
    let generation = 0;
    for (const size of SIZES) {
      const names = agents.slice(0, size).map((a) => a.name);
      const rawTimes: number[] = [];
      for (let r = 0; r < 10; r++) rawTimes.push(await raw.round(names, ++generation));
      const times: number[] = [];
      const setsBefore = (await system.sim.stats()).sets;
      for (let i = 0; i < RESOURCES; i++) {
        const name = `c${size}-${i}`;
        const selector = size === agents.length ? undefined : group(size);
        const t0 = performance.now();
        await system.wic.create(name, benchSpec(`${name}.example.com`, selector));
        times.push((await system.watch.ready(name)) - t0);
      }
      const pushes = (await system.sim.stats()).sets - setsBefore;
      rows.push([
        size,
        RESOURCES,
        fmt(percentile(times, 50)),
        fmt(percentile(times, 99)),
        fmt(Math.max(...times)),
        pushes,
        fmt(percentile(rawTimes, 50)),
      ]);
      process.stdout.write(`convergence ${size}: ${rows.at(-1)?.join(' | ')}\n`);
    }
    // Baseline for the burst: plain pushes to the same 100 agents, 4 fan-outs of 64 at once
    // (MAX_CONCURRENT_RECONCILES × FANOUT_CONCURRENCY).
    const names = agents.slice(0, BURST_AGENTS).map((a) => a.name);
    const rawRounds = 40;
    const t1 = performance.now();
    await eachLimit(
      Array.from({ length: rawRounds }, () => ++generation),
      4,
      (g) => raw.round(names, g),
    );
    rawBurstRate = (rawRounds * BURST_AGENTS * 1000) / (performance.now() - t1);
    await raw.close();

    const profileDir = process.env.W2I_BENCH_PROFILE;
    if (profileDir) await system.controller.startProfile();
    const setsBefore = (await system.sim.stats()).sets;
    const burst = Array.from({ length: BURST }, (_, i) => `b-${i}`);
    const t0 = performance.now();
    let createdAt = 0;
    const creating = eachLimit(burst, 32, (name) =>
      system.wic.create(name, benchSpec(`${name}.example.com`, group(BURST_AGENTS))),
    ).then(() => (createdAt = performance.now() - t0));
    const readyAt = await Promise.all(burst.map((name) => system.watch.ready(name, 300_000)));
    await creating;
    const totalMs = Math.max(...readyAt) - t0;
    if (profileDir) {
      await system.controller.stopProfile(path.join(profileDir, 'controller-burst.cpuprofile'));
    }
    const pushes = (await system.sim.stats()).sets - setsBefore;
    burstRate = (pushes * 1000) / totalMs;
    burstRow = [
      BURST,
      BURST_AGENTS,
      pushes,
      fmt(createdAt / 1000),
      fmt(totalMs / 1000),
      fmt(burstRate),
      fmt(rawBurstRate),
      `${((burstRate / (rawBurstRate ?? Number.NaN)) * 100).toFixed(0)}%`,
    ];
    process.stdout.write(`burst: ${burstRow.join(' | ')}\n`);
  } finally {
    await system.stop();
  }
  const p99 = rows.find((r) => r[0] === 1000)?.[3];
  return {
    title: 'Convergence: create → Ready through local-kube and the real controller',
    body:
      table(
        [
          'targeted agents',
          'resources',
          'create→Ready p50 ms',
          'p99 ms',
          'max ms',
          'pushes',
          'baseline: amqplib push to the same agents, p50 ms',
        ],
        rows,
      ) +
      '\n\nBurst (1,000 resources created 32 at a time, each targeting the same 100 agents):\n\n' +
      table(
        [
          'resources',
          'agents each',
          'pushes',
          'all created s',
          'all Ready s',
          'pushes/s',
          'baseline: amqplib pushes/s',
          'ratio',
        ],
        burstRow ? [burstRow] : [],
      ),
    summary:
      `Controller in its own process with default settings (MAX_CONCURRENT_RECONCILES 4, FANOUT_CONCURRENCY 64, STATUS_AGENTS_MAX 100); ` +
      `local-kube in the benchmark process (HTTPS, watch); Redis and RabbitMQ 3.10 on the same 2-core machine (load average ${load.toFixed(1)} at start); ` +
      `1,000 simulated agents in 2 worker processes, each heartbeating every 2 s (500 beats/s on the controller throughout); ` +
      `sequential creates, each timed from the POST to the watch event showing Ready=True at its generation. ` +
      `Baselines from the same run and broker: plain amqplib publish + reply to the same agents (64 in flight; 4 such fan-outs at once for the burst). ` +
      `Goals: 1,000 agents p99 under 250 ms (measured ${p99 ?? '-'} ms); burst ≥ 10,000 pushes/s (measured ${fmt(burstRate ?? Number.NaN)}).`,
  };
}
