// The whole system for the end-to-end benchmarks: local-kube (in this process) with the CRD,
// Redis, RabbitMQ, simulated agents that heartbeat, and the real Controller in a child process;
// plus a watch that timestamps each resource's first Ready at its generation.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { RabbitServer, RedisServer, waitFor } from '../../src/devservices/index.ts';
import { shareConnections } from '../../src/kube/index.ts';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';
import type { IngressObject } from '../../src/reconciler/types.ts';
import { Ingresses, installCrd } from '../../test/support/kube.ts';
import { ControllerProc } from './controller-proc.ts';
import { SimAgents, type SimAgent } from './sim-agents.ts';

export const PREFIX = 'bench.';
const WIC = '/apis/ingress.wise2c.com/v1/namespaces/default/wise2cingressconfigs';

/** Timestamps (performance.now) of each resource's first Ready=True at its current generation. */
export class ReadyWatch {
  readonly readyAt = new Map<string, number>();
  readonly #waiters = new Map<string, () => void>();
  #abort: { abort: () => void } | undefined;

  async start(kc: KubeConfig): Promise<void> {
    this.#abort = await new Watch(kc).watch(
      WIC,
      {},
      (_type, obj: IngressObject) => {
        const name = obj.metadata.name;
        if (this.readyAt.has(name)) return;
        const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True' || obj.status?.observedGeneration !== obj.metadata.generation)
          return;
        this.readyAt.set(name, performance.now());
        this.#waiters.get(name)?.();
        this.#waiters.delete(name);
      },
      () => undefined,
    );
  }

  /** Resolves when `name` has been seen Ready (at once if it was). */
  ready(name: string, timeoutMs = 60_000): Promise<number> {
    const at = this.readyAt.get(name);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} not Ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.set(name, () => {
        clearTimeout(timer);
        resolve(this.readyAt.get(name) as number);
      });
    });
  }

  stop(): void {
    this.#abort?.abort();
  }
}

/** A running benchmark system. */
export interface BenchSystem {
  dir: string;
  rabbit: RabbitServer;
  kube: LocalKube;
  kc: KubeConfig;
  wic: Ingresses;
  sim: SimAgents;
  controller: ControllerProc;
  watch: ReadyWatch;
  stop(): Promise<void>;
}

/** Starts everything; resolves once the controller sees every agent live. */
export async function startSystem(options: {
  name: string;
  agents: SimAgent[];
  workers: number;
  raw?: boolean;
}): Promise<BenchSystem> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `w2i-bench-${options.name}-`));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const [redis, rabbit] = await Promise.all([
      RedisServer.start(path.join(dir, 'redis')),
      RabbitServer.start(path.join(dir, 'rabbitmq')),
    ]);
    stops.push(
      () => redis.stop(),
      () => rabbit.close(),
    );
    const kube = await startLocalKube({
      kubeconfigPath: path.join(dir, 'kubeconfig'),
      watchWindow: 50_000,
    });
    stops.push(() => kube.close());
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    shareConnections(kc);
    await installCrd(kc);
    const sim = await SimAgents.start({
      amqpUrl: rabbit.url,
      prefix: PREFIX,
      agents: options.agents,
      workers: options.workers,
      heartbeatMs: 2000,
      ...(options.raw ? { raw: true } : {}),
    });
    stops.push(() => sim.stop());
    const controller = await ControllerProc.start({
      KUBECONFIG: kube.kubeconfigPath,
      AMQP_URL: rabbit.url,
      REDIS_URL: redis.url,
      RPC_PREFIX: PREFIX,
      REDIS_PREFIX: 'bench:',
    });
    stops.push(() => controller.stop());
    await waitFor(async () => (await controller.liveAgents()) === options.agents.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `the controller to see ${options.agents.length} live agents`,
    });
    const watch = new ReadyWatch();
    await watch.start(kc);
    stops.push(() => Promise.resolve(watch.stop()));
    return { dir, rabbit, kube, kc, wic: new Ingresses(kc), sim, controller, watch, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `task` over `items`, `limit` at a time. */
export async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
