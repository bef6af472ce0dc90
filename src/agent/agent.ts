// The agent process: pulls its configs, serves Set/Del on its own queue, heartbeats, and leaves
// cleanly. Knows no Kubernetes; talks to the controller only through RPC protocol v1.
import {
  RpcClient,
  RpcConnection,
  RpcError,
  RpcServer,
  agentContract,
  agentQueue,
  controllerContract,
  controllerQueue,
  type AgentContract,
  type Handlers,
} from '../rpc/index.ts';
import type { Logger } from '../config/index.ts';
import type { Applier } from './applier.ts';
import { ApplyError } from './errors.ts';
import { Heartbeat } from './heartbeat.ts';
import { configKey } from './validate.ts';

/** Everything an Agent needs, injected (STYLE.md item 6). */
export interface AgentOptions {
  name: string;
  labels: Record<string, string>;
  version: string;
  amqpUrls: string[];
  rpcPrefix: string;
  rpcTimeoutMs: number;
  heartbeatIntervalMs: number;
  applier: Applier;
  logger: Logger;
  /** Back-off of the start-up GetIngressConfigs retries. */
  syncRetry?: { initialDelayMs: number; maxDelayMs: number };
}

/** One ingress agent: start() resolves once it is ready, stop() is the SIGTERM path. */
export class Agent {
  readonly #o: AgentOptions;
  readonly #log: Logger;
  readonly #connection: RpcConnection;
  readonly #client: RpcClient;
  readonly #server: RpcServer<AgentContract>;
  readonly #heartbeat: Heartbeat;
  #ready = false;
  #stopping = false;
  #wake: (() => void) | undefined;
  #failedBeats = 0;
  /** Heartbeats failed since the last pull: the controller may have finished deletions without us. */
  #pullAgain = false;
  #pulling: Promise<void> | undefined;
  /** Set/Del requests handled so far, and per config key the last one's number. */
  #requests = 0;
  readonly #touched = new Map<string, number>();

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#connection = new RpcConnection({
      urls: options.amqpUrls,
      connectionName: `agent ${options.name}`,
    });
    this.#connection.on('connected', ({ url }) => this.#log.info({ url }, 'broker connected'));
    this.#connection.on('disconnected', ({ error }) =>
      this.#log.warn({ err: error }, 'broker disconnected'),
    );
    this.#connection.on('error', ({ error }) =>
      this.#log.debug({ err: error }, 'broker connection error'),
    );
    this.#client = new RpcClient(this.#connection, { defaultTimeoutMs: options.rpcTimeoutMs });
    this.#server = new RpcServer(this.#connection, {
      queue: agentQueue(options.name, options.rpcPrefix),
      mode: 'single',
      contract: agentContract,
      handlers: this.#handlers(),
    });
    this.#server.on('error', ({ error }) => this.#log.warn({ err: error }, 'agent queue error'));
    this.#heartbeat = new Heartbeat({
      intervalMs: options.heartbeatIntervalMs,
      beat: () => this.#beat(),
      onSuccess: () => {
        if (this.#failedBeats > 0)
          this.#log.info({ failed: this.#failedBeats }, 'heartbeat recovered');
        this.#failedBeats = 0;
        if (this.#pullAgain && !this.#pulling)
          this.#pulling = this.#pullAgainNow().finally(() => (this.#pulling = undefined));
      },
      onError: (err) => {
        this.#failedBeats += 1;
        this.#pullAgain = true;
        this.#log[this.#failedBeats === 1 ? 'warn' : 'debug'](
          { err, failed: this.#failedBeats },
          'heartbeat failed',
        );
      },
    });
  }

  /** True once the start-up sync is applied, the queue is served and heartbeats run. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Loads saved state, connects, applies GetIngressConfigs (retried), serves its queue, heartbeats. */
  async start(): Promise<void> {
    const { loaded, warnings } = await this.#o.applier.start();
    for (const warning of warnings) this.#log.warn({ warning }, 'saved state problem');
    this.#log.info({ loaded }, 'saved state applied');
    await this.#connection.start();
    await this.#client.start();
    await this.#initialSync();
    if (this.#stopping) return;
    await this.#server.start();
    if (this.#stopping) return;
    this.#heartbeat.start();
    this.#ready = true;
    this.#log.info({ queue: agentQueue(this.#o.name, this.#o.rpcPrefix) }, 'agent ready');
  }

  async #initialSync(): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.#o.syncRetry ?? {
      initialDelayMs: 200,
      maxDelayMs: 5000,
    };
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        const { configs } = await this.#pull();
        const result = await this.#o.applier.reconcile(configs);
        for (const f of result.failed)
          this.#log.warn({ key: f.key, code: f.code, error: f.message }, 'config refused');
        this.#log.info(
          { wanted: configs.length, applied: result.applied, removed: result.removed },
          'configs pulled',
        );
        return;
      } catch (err) {
        const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 20));
        this.#log.warn({ err, attempt, delayMs }, 'pulling configs failed');
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, delayMs);
        });
      }
    }
  }

  /** The complete set of configs that target this agent, as the controller sees it now. */
  #pull() {
    return this.#client.call(
      controllerQueue(this.#o.rpcPrefix),
      controllerContract,
      'GetIngressConfigs',
      { name: this.#o.name, labels: this.#o.labels },
    );
  }

  async #beat(): Promise<void> {
    const { name, labels, version, heartbeatIntervalMs, rpcTimeoutMs } = this.#o;
    await this.#client.call(
      controllerQueue(this.#o.rpcPrefix),
      controllerContract,
      'OnlineAgent',
      { name, labels, version },
      { timeoutMs: Math.min(rpcTimeoutMs, heartbeatIntervalMs) },
    );
  }

  /**
   * After failed heartbeats the controller may have counted this agent dead and released deleted
   * resources without it: pull the configs again and converge on them, leaving alone every config
   * a push touched since the pull began (the push is newer).
   */
  async #pullAgainNow(): Promise<void> {
    const since = this.#requests;
    const untouched = (key: string) => (this.#touched.get(key) ?? 0) <= since;
    try {
      const { configs } = await this.#pull();
      const wanted = new Set(configs.map((c) => configKey(c)));
      let applied = 0;
      let removed = 0;
      for (const config of configs) {
        if (!untouched(configKey(config))) continue;
        const result = await this.#o.applier.apply(config).catch((err: unknown) => {
          this.#log.warn({ key: configKey(config), err }, 'config refused');
          return undefined;
        });
        if (result?.changed) applied += 1;
      }
      for (const held of this.#o.applier.list()) {
        const key = configKey(held);
        if (!wanted.has(key) && untouched(key) && (await this.#o.applier.remove(held)).removed)
          removed += 1;
      }
      this.#pullAgain = false;
      this.#log.info({ wanted: configs.length, applied, removed }, 'configs pulled again');
    } catch (err) {
      this.#log.warn({ err }, 'pulling configs again failed; retried after the next heartbeat');
    }
  }

  #handlers(): Handlers<AgentContract> {
    return {
      SetIngressConfig: async ({ config }) => {
        const key = configKey(config);
        this.#touched.set(key, ++this.#requests);
        try {
          const { generation, changed } = await this.#o.applier.apply(config);
          this.#log.info(
            { key, generation, requested: config.generation, changed },
            'config applied',
          );
          return { generation };
        } catch (error) {
          throw this.#refusal(key, error);
        }
      },
      DelIngressConfig: async (ref) => {
        const key = configKey(ref);
        this.#touched.set(key, ++this.#requests);
        try {
          const { removed } = await this.#o.applier.remove(ref);
          this.#log.info({ key, uid: ref.uid, removed }, 'config deleted');
          return {};
        } catch (error) {
          throw this.#refusal(key, error);
        }
      },
    };
  }

  #refusal(key: string, error: unknown): Error {
    const code = error instanceof ApplyError ? error.code : 'ERROR';
    this.#log.warn({ key, code, err: error }, 'config refused');
    const message = (error as Error).message;
    if (code === 'INVALID') return new RpcError('BAD_REQUEST', message, { cause: error });
    return new Error(code === 'ERROR' ? `apply failed: ${message}` : message, { cause: error });
  }

  /** SIGTERM path: stop beating, OfflineAgent, finish the apply in progress, close everything. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#wake?.();
    await this.#heartbeat.stop();
    if (this.#ready && this.#connection.connected) {
      try {
        await this.#client.call(
          controllerQueue(this.#o.rpcPrefix),
          controllerContract,
          'OfflineAgent',
          { name: this.#o.name },
          { timeoutMs: Math.min(this.#o.rpcTimeoutMs, 2000) },
        );
      } catch (err) {
        this.#log.warn({ err }, 'OfflineAgent failed; the registry drops this agent after its TTL');
      }
    }
    this.#ready = false;
    await this.#server.stop();
    await this.#o.applier.stop();
    await this.#client.close();
    await this.#connection.close();
    this.#log.info('agent stopped');
  }
}
