import os from 'node:os';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Settings } from '../config/index.ts';
import {
  IngressClient,
  KubeEventRecorder,
  LeaderElector,
  ResilientInformer,
} from '../kube/index.ts';
import {
  AgentRegistry,
  RosterWatcher,
  createRedisClient,
  registryHandlers,
  type Agent,
} from '../registry/index.ts';
import {
  RpcClient,
  RpcConnection,
  RpcError,
  RpcServer,
  controllerContract,
  controllerQueue,
} from '../rpc/index.ts';
import { ingressSpecSchema } from '../spec/index.ts';
import { toCached, statusAgents, type CachedIngress } from './cached.ts';
import { configsForAgent, reconcileSignature } from './configs.ts';
import { startHealthServer } from './http.ts';
import { ControllerMetrics } from './metrics.ts';
import { kubeWriter, leaderGuard, rpcPusher } from './adapters.ts';
import { WorkQueue } from './queue.ts';
import { IngressReconciler } from './reconcile.ts';
import { selectorMatches } from './targets.ts';
import { keyOf, type IngressObject } from './types.ts';
import { runWorkers } from './workers.ts';

export type ControllerSettings = Pick<
  Settings,
  | 'amqpUrls'
  | 'redisUrl'
  | 'watchNamespace'
  | 'podNamespace'
  | 'httpPort'
  | 'rpcTimeoutMs'
  | 'fanoutConcurrency'
  | 'maxConcurrentReconciles'
  | 'agentTtlMs'
  | 'rpcPrefix'
  | 'redisPrefix'
  | 'statusAgentsMax'
>;

export interface ControllerOptions {
  settings: ControllerSettings;
  kubeConfig: KubeConfig;
  logger: Logger;
  identity?: string;
  lease?: { durationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  resyncMs?: number;
}

/**
 * The controller process: every replica serves the LB queue (heartbeats into Redis,
 * GetIngressConfigs from its informer cache); the replica holding the Lease also reconciles.
 */
export class Controller {
  readonly metrics = new ControllerMetrics();
  readonly #o: ControllerOptions;
  readonly #log: Logger;
  readonly #identity: string;
  readonly #redis;
  readonly #registry: AgentRegistry;
  readonly #roster: RosterWatcher;
  readonly #conn: RpcConnection;
  readonly #client: RpcClient;
  readonly #server: RpcServer<typeof controllerContract>;
  readonly #informer: ResilientInformer<CachedIngress>;
  readonly #kube: IngressClient;
  readonly #events: KubeEventRecorder;
  readonly #elector: LeaderElector;
  readonly #reconciler: IngressReconciler;
  readonly #seen = new Map<string, string>();
  #queue: WorkQueue | undefined;
  #workers: Promise<void> | undefined;
  #http: { port: number; close: () => Promise<void> } | undefined;
  #electing: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    const s = options.settings;
    this.#o = options;
    this.#log = options.logger;
    this.#identity = options.identity ?? `${os.hostname()}-${process.pid}`;
    this.#redis = createRedisClient(s.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.#registry = new AgentRegistry(this.#redis, { prefix: s.redisPrefix, ttlMs: s.agentTtlMs });
    this.#roster = new RosterWatcher(this.#registry, { intervalMs: 1000 });
    this.#conn = new RpcConnection({
      urls: s.amqpUrls,
      connectionName: `controller ${this.#identity}`,
    });
    this.#client = new RpcClient(this.#conn, { defaultTimeoutMs: s.rpcTimeoutMs });
    this.#kube = new IngressClient(options.kubeConfig, s.watchNamespace);
    this.#informer = new ResilientInformer<CachedIngress>(options.kubeConfig, {
      path: this.#kube.watchPath,
      list: () => this.#kube.list(),
      transform: (obj) => toCached(obj as IngressObject) as KubernetesObject,
      resyncMs: options.resyncMs ?? 600_000,
    });
    this.#events = new KubeEventRecorder(options.kubeConfig, {
      component: 'wise2c-ingress-controller',
    });
    this.#elector = new LeaderElector(options.kubeConfig, {
      namespace: s.podNamespace,
      name: 'wise2c-ingress-controller',
      identity: this.#identity,
      ...(options.lease?.durationMs ? { leaseDurationMs: options.lease.durationMs } : {}),
      ...(options.lease?.renewDeadlineMs ? { renewDeadlineMs: options.lease.renewDeadlineMs } : {}),
      ...(options.lease?.retryPeriodMs ? { retryPeriodMs: options.lease.retryPeriodMs } : {}),
    });
    this.#server = new RpcServer(this.#conn, {
      queue: controllerQueue(s.rpcPrefix),
      mode: 'lb',
      contract: controllerContract,
      handlers: {
        ...registryHandlers(this.#registry),
        GetIngressConfigs: async ({ name, labels }) => ({
          configs: await this.#configsFor(name, labels),
        }),
      },
    });
    const guard = leaderGuard(() => this.#elector.leading);
    this.#reconciler = new IngressReconciler({
      cache: { get: (key) => this.#get(key), list: () => this.#informer.list() },
      writer: kubeWriter(this.#kube, guard),
      events: {
        record: (obj, type, reason, message) => this.#events.record(obj, type, reason, message),
      },
      pusher: rpcPusher(this.#client, s.rpcPrefix, guard),
      agents: { list: () => this.#roster.list() },
      clock: { now: () => new Date() },
      fanoutConcurrency: s.fanoutConcurrency,
      statusAgentsMax: s.statusAgentsMax,
    });
    this.#wire();
  }

  /** The port /healthz, /readyz and /metrics are served on. */
  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  get leading(): boolean {
    return this.#elector.leading;
  }

  /** What keeps this replica from being ready (empty when ready). */
  notReady(): string[] {
    const missing: string[] = [];
    if (!this.#informer.synced) missing.push('informer cache not synced');
    if (!this.#conn.connected) missing.push('RabbitMQ not connected');
    if (this.#redis.status !== 'ready') missing.push('Redis not connected');
    return missing;
  }

  async start(): Promise<void> {
    this.#http = await startHealthServer({
      port: this.#o.settings.httpPort,
      ready: () => this.notReady(),
      metrics: this.metrics.registry,
    });
    await this.#redis.connect();
    await this.#conn.start();
    await Promise.all([this.#client.start(), this.#informer.start()]);
    this.#roster.start();
    await this.#server.start();
    this.#electing = this.#elector.run();
    this.#log.info({ identity: this.#identity, httpPort: this.#http.port }, 'controller started');
  }

  /** Graceful stop: no new keys, in-flight reconciles finish within `deadlineMs`, the Lease is released. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.#log.info('controller stopping');
    await this.#stopReconciling(deadlineMs);
    await this.#elector.stop();
    await this.#electing;
    await this.#server.stop();
    await this.#roster.stop();
    await this.#informer.stop();
    await this.#events.flush(2_000);
    await this.#client.close();
    await this.#conn.close();
    this.#redis.disconnect();
    await this.#http?.close();
    this.#log.info('controller stopped');
  }

  #wire(): void {
    const onChange = (obj: CachedIngress) => {
      const key = keyOf(obj);
      const signature = reconcileSignature(obj);
      if (this.#seen.get(key) === signature) return; // a status or label write: nothing to push
      this.#seen.set(key, signature);
      this.#queue?.add(key);
    };
    this.#informer.on('add', onChange);
    this.#informer.on('update', onChange);
    this.#informer.on('delete', (obj) => {
      this.#seen.delete(keyOf(obj));
      this.#queue?.add(keyOf(obj));
    });
    this.#informer.on('resync', () => this.#enqueueAll());
    this.#informer.on('synced', () =>
      this.#log.info({ objects: this.#informer.list().length }, 'cache synced'),
    );
    this.#informer.on('restarting', ({ error, delayMs }) =>
      this.#log.warn({ err: error, delayMs }, 'informer stopped, restarting'),
    );
    this.#roster.on('joined', (agent) => this.#enqueueMatching(agent.labels));
    this.#roster.on('left', (agent) => {
      this.#reconciler.forgetAgent(agent.name);
      this.#enqueueMatching(agent.labels, agent.name);
    });
    this.#roster.on('labelsChanged', (agent, previous) => {
      this.#enqueueMatching(agent.labels);
      this.#enqueueMatching(previous);
    });
    this.#roster.on('refreshed', ({ agents }) => this.metrics.liveAgents.set(agents));
    this.#roster.on('error', (error) => this.#log.warn({ err: error }, 'roster refresh failed'));
    this.#elector.on('started', () => this.#startReconciling());
    this.#elector.on('stopped', () => void this.#stopReconciling(0));
    this.#elector.on('error', (error) =>
      this.#log.warn({ err: error }, 'leader election call failed'),
    );
    this.#events.on('error', (error) => this.#log.debug({ err: error }, 'event not recorded'));
    this.#conn.on('disconnected', ({ error }) =>
      this.#log.warn({ err: error }, 'RabbitMQ connection lost'),
    );
    this.#conn.on('connected', ({ url }) => this.#log.info({ url }, 'RabbitMQ connected'));
    this.#conn.on('error', ({ error }) => this.#log.warn({ err: error }, 'RabbitMQ error'));
    this.#redis.on('error', (error: Error) => this.#log.debug({ err: error }, 'Redis error'));
    this.#client.on('call', ({ method, outcome, durationMs }) => {
      this.metrics.rpcCalls.inc({ method, outcome });
      this.metrics.rpcDuration.observe({ method }, durationMs / 1000);
    });
    this.#server.on('request', ({ method, outcome }) =>
      this.metrics.rpcServed.inc({ method, outcome }),
    );
  }

  #startReconciling(): void {
    this.#log.info('became leader, reconciling');
    this.metrics.leader.set(1);
    const queue = new WorkQueue(this.#o.backoff ?? {});
    this.#queue = queue;
    this.#enqueueAll();
    this.#workers = runWorkers({
      count: this.#o.settings.maxConcurrentReconciles,
      queue,
      reconciler: this.#reconciler,
      logger: this.#log,
      metrics: this.metrics,
    });
  }

  async #stopReconciling(deadlineMs: number): Promise<void> {
    const queue = this.#queue;
    if (!queue) return;
    this.#queue = undefined;
    this.metrics.leader.set(0);
    queue.shutDown();
    this.#log.info({ inProgress: queue.inProgress }, 'stopped taking keys');
    if (deadlineMs > 0 && this.#workers) {
      const timeout = new Promise((r) => setTimeout(r, deadlineMs).unref());
      await Promise.race([this.#workers, timeout]);
    }
  }

  #enqueueAll(): void {
    for (const obj of this.#informer.list()) this.#queue?.add(keyOf(obj));
  }

  /** Enqueues the resources whose selector matches these labels (or whose status lists `agent`). */
  #enqueueMatching(labels: Record<string, string>, agent?: string): void {
    if (!this.#queue) return;
    for (const obj of this.#informer.list()) {
      const parsed = ingressSpecSchema.safeParse(obj.spec);
      const listed = agent !== undefined && statusAgents(obj.status)?.has(agent) === true;
      if (listed || (parsed.success && selectorMatches(parsed.data.agentSelector, labels))) {
        this.#queue.add(keyOf(obj));
      }
    }
  }

  #get(key: string): CachedIngress | undefined {
    const slash = key.indexOf('/');
    return this.#informer.get(key.slice(0, slash), key.slice(slash + 1));
  }

  /** GetIngressConfigs: from the API server, for the labels the agent sent (else the registry's). */
  async #configsFor(name: string, labels: Record<string, string> | undefined) {
    if (!this.#informer.synced) {
      throw new RpcError('UNAVAILABLE', 'the controller cache has not synced yet');
    }
    if (!labels) {
      let agent: Agent | undefined = this.#roster.agents.get(name);
      agent ??= (await this.#registry.liveAgents()).find((a) => a.name === name);
      if (!agent) throw new Error(`agent ${name} is not online and sent no labels`);
      labels = agent.labels;
    }
    // A consistent LIST, not this replica's cache: RabbitMQ hands the request to any replica, and
    // a standby's cache can lag the leader's, which would step a restarting agent back to a
    // generation the leader has already seen it acknowledge (found by test/faults/agents.test.ts).
    const { items } = await this.#kube.list();
    return configsForAgent(items as unknown as IngressObject[], labels);
  }
}
