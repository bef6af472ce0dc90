// `npm run bench -- memory`: the controller process's RSS and heap (after a full GC) with 10,000
// resources each synced to 100 live simulated agents, against the same controller idle with 0
// resources and the same agents, in the same run. W2I_BENCH_HEAPSNAPSHOT=DIR also writes a heap
// snapshot of the full controller, DIR/controller-<N>.heapsnapshot, after its memory sample (not of
// the idle one: writing a snapshot leaves ~100 MiB in malloc's heap, which would inflate the full
// RSS); summarise it with `node bench/lib/heap-summary.ts FILE`.
import os from 'node:os';
import path from 'node:path';
import { benchSpec } from './lib/raw-fanout.ts';
import { fmt, table, type BenchResult } from './lib/report.ts';
import type { MemorySample } from './lib/controller-proc.ts';
import { eachLimit, startSystem } from './lib/system.ts';

// 10,000 resources × 100 agents is 1,000,000 pushes: about 5 minutes on the 2-core machine, more
// than `npm run bench` can spend; the default run measures 3,000 and projects the live heap per
// resource (W2I_BENCH_RESOURCES=10000 measures the goal's size; RSS does not project linearly).
const RESOURCES = Number(process.env.W2I_BENCH_RESOURCES ?? 3000);
const GOAL_RESOURCES = 10_000;
const AGENTS = 100;
const SNAPSHOT_DIR = process.env.W2I_BENCH_HEAPSNAPSHOT;
const FLAGS = process.env.W2I_BENCH_CONTROLLER_FLAGS;
const mib = (bytes: number) => fmt(bytes / 2 ** 20);

export async function run(): Promise<BenchResult> {
  const load = os.loadavg()[0]!;
  const agents = Array.from({ length: AGENTS }, (_, i) => ({
    name: `sim-${String(i).padStart(5, '0')}`,
    labels: { zone: `z${i % 3}` },
  }));
  const system = await startSystem({ name: 'memory', agents, workers: 1 });
  let idle: MemorySample | undefined;
  let full: MemorySample | undefined;
  let convergeMs: number | undefined;
  let pushes: number | undefined;
  try {
    await new Promise((r) => setTimeout(r, 2000));
    idle = await system.controller.memory();
    const names = Array.from({ length: RESOURCES }, (_, i) => `m-${String(i).padStart(5, '0')}`);
    const setsBefore = (await system.sim.stats()).sets;
    const t0 = performance.now();
    const creating = eachLimit(names, 32, (name) =>
      system.wic.create(name, benchSpec(`${name}.example.com`)),
    );
    await Promise.all(names.map((name) => system.watch.ready(name, 600_000)));
    await creating;
    convergeMs = performance.now() - t0;
    pushes = (await system.sim.stats()).sets - setsBefore;
    await new Promise((r) => setTimeout(r, 2000));
    full = await system.controller.memory();
    if (SNAPSHOT_DIR) {
      const file = path.resolve(SNAPSHOT_DIR, `controller-${RESOURCES}.heapsnapshot`);
      await system.controller.heapSnapshot(file);
    }
  } finally {
    await system.stop();
  }
  const row = (what: string, m: MemorySample) => [
    what,
    mib(m.rss),
    mib(m.peakRss),
    `${mib(m.rssAnon)} / ${mib(m.rssFile)}`,
    mib(m.heapUsed),
    mib(m.heapTotal),
    mib(m.external),
  ];
  const grown = full.rss - idle.rss;
  const live = full.heapUsed - idle.heapUsed;
  return {
    title: `Memory: the controller with ${RESOURCES} resources × ${AGENTS} agents`,
    body: table(
      [
        'controller',
        'RSS MiB',
        'peak RSS MiB',
        'RSS anon / file MiB',
        'heap used MiB',
        'heap total MiB',
        'external MiB',
      ],
      [
        row(`idle: 0 resources, ${AGENTS} live agents`, idle),
        row(`${RESOURCES} resources × ${AGENTS} agents, all Ready`, full),
      ],
    ),
    summary:
      `Both measured after two full GCs (--expose-gc), in one run: the controller as a child process with default settings${FLAGS ? ` and node flags ${FLAGS}` : ''} ` +
      `(STATUS_AGENTS_MAX 100, so each status lists all 100 agents), local-kube in the benchmark process, ${AGENTS} simulated agents heartbeating every 2 s. ` +
      `The ${RESOURCES} resources (created 32 at a time) reached Ready in ${fmt((convergeMs ?? Number.NaN) / 1000)} s (${pushes} pushes, ${fmt(((pushes ?? 0) * 1000) / (convergeMs ?? Number.NaN))} pushes/s; load average ${load.toFixed(1)} at start). ` +
      `They add ${mib(grown)} MiB of RSS and ${mib(live)} MiB of live heap (${fmt(live / RESOURCES / 1024)} KiB per resource; at 10,000: ${mib(idle.heapUsed + (live * GOAL_RESOURCES) / RESOURCES)} MiB of heap). ` +
      `RSS is not linear in resources: it is set by the heap the GC grew to while they converged (peak RSS above) plus malloc's heap, not by what stays live` +
      (RESOURCES === GOAL_RESOURCES
        ? `. Goal: RSS under 200 MB with 10,000 resources: ${full.rss < 200e6 ? 'met' : 'missed'} (${fmt(full.rss / 1e6)} MB).`
        : ` (W2I_BENCH_RESOURCES=10000 measures the goal's size: RSS under 200 MB).`),
  };
}
