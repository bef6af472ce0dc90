// An end-to-end fixture: local-kube in this process, the shared Redis and RabbitMQ, and
// controller and agent processes started through the CLI as a user would.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { LocalSystem } from '../../src/demo/system.ts';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';
import { testEnv } from './env.ts';
import { Ingresses, installCrd } from './kube.ts';

export interface E2E {
  system: LocalSystem;
  kube: LocalKube;
  kc: KubeConfig;
  wic: Ingresses;
  stop(): Promise<void>;
}

/** Fast intervals so the suite runs in seconds; proportions as in production (TTL 1.5 × beat). */
export const FAST_ENV = {
  HEARTBEAT_INTERVAL_MS: '300',
  AGENT_TTL_MS: '900',
  RPC_TIMEOUT_MS: '2000',
  LEASE_DURATION_MS: '3000',
  LEASE_RENEW_DEADLINE_MS: '2000',
  LEASE_RETRY_PERIOD_MS: '400',
  RETRY_MAX_DELAY_MS: '1000',
};

/** Starts local-kube with the CRD installed and an empty system around the shared servers. */
export async function startE2E(env: Record<string, string> = {}): Promise<E2E> {
  const shared = testEnv();
  const dir = await mkdtemp(path.join(shared.root, 'e2e-'));
  const id = randomBytes(4).toString('hex');
  const kube = await startLocalKube({ kubeconfigPath: path.join(dir, 'kubeconfig') });
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  await installCrd(kc);
  const system = new LocalSystem({
    dir,
    kubeconfigPath: kube.kubeconfigPath,
    redisUrl: shared.redisUrl,
    amqpUrl: shared.amqpUrl,
    rpcPrefix: `t${id}.`,
    redisPrefix: `t${id}:`,
    logLevel: 'debug',
    env: { ...FAST_ENV, ...env },
  });
  await system.startServices();
  return {
    system,
    kube,
    kc,
    wic: new Ingresses(kc),
    stop: async () => {
      await system.stop();
      await kube.close();
    },
  };
}

/** What a file-applier agent holds: `namespace/name` → generation, read from its state files. */
export async function agentState(stateDir: string): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  for (const file of await readdir(stateDir).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    const config = JSON.parse(await readFile(path.join(stateDir, file), 'utf8')) as {
      namespace: string;
      name: string;
      generation: number;
    };
    held.set(`${config.namespace}/${config.name}`, config.generation);
  }
  return held;
}

/** Sums a counter of a Prometheus text exposition over the series whose labels include `match`. */
export async function metricSum(httpPort: number, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (match && !line.includes(match)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}
