// The whole system on one machine: Redis, RabbitMQ, local-kube, controller and agent processes.
// Used by `wise2c-ingress demo`, the end-to-end tests and the benchmarks; never by the controller
// or the agent themselves.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, RabbitServer, RedisServer, freePort } from '../devservices/index.ts';

/** The CLI entry beside this module (src/cli.ts under type stripping, dist/cli.js when built). */
export const CLI_PATH = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../cli.ts' : '../cli.js', import.meta.url),
);

export interface AgentSpec {
  name: string;
  labels?: Record<string, string>;
  applier?: 'file' | 'nginx';
  /** Extra environment (e.g. NGINX_BIN for a failing nginx). */
  env?: Record<string, string>;
}

/** A running agent process and where it keeps its state. */
export interface AgentHandle {
  spec: AgentSpec;
  proc: ManagedProcess;
  stateDir: string;
  nginxDir: string;
  httpPort: number;
}

export interface SystemOptions {
  dir: string;
  kubeconfigPath: string;
  /** Reuse running servers (tests share them); else Redis and RabbitMQ are started in `dir`. */
  redisUrl?: string;
  amqpUrl?: string;
  rpcPrefix?: string;
  redisPrefix?: string;
  logLevel?: string;
  /** Extra environment for every process (short intervals in tests). */
  env?: Record<string, string>;
}

/** Starts and stops the processes of the system; each logs JSON lines to `<dir>/logs/<name>.log`. */
export class LocalSystem {
  readonly options: SystemOptions;
  readonly agents = new Map<string, AgentHandle>();
  readonly controllers: ManagedProcess[] = [];
  redis: RedisServer | undefined;
  rabbit: RabbitServer | undefined;

  constructor(options: SystemOptions) {
    this.options = options;
  }

  get redisUrl(): string {
    return this.options.redisUrl ?? (this.redis as RedisServer).url;
  }

  get amqpUrl(): string {
    return this.options.amqpUrl ?? (this.rabbit as RabbitServer).url;
  }

  /** Starts Redis and RabbitMQ unless URLs were given. */
  async startServices(): Promise<void> {
    await mkdir(path.join(this.options.dir, 'logs'), { recursive: true });
    const [redis, rabbit] = await Promise.all([
      this.options.redisUrl ? undefined : RedisServer.start(path.join(this.options.dir, 'redis')),
      this.options.amqpUrl
        ? undefined
        : RabbitServer.start(path.join(this.options.dir, 'rabbitmq')),
    ]);
    this.redis = redis;
    this.rabbit = rabbit;
  }

  /** The environment every process shares. */
  baseEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      AMQP_URL: this.amqpUrl,
      REDIS_URL: this.redisUrl,
      KUBECONFIG: this.options.kubeconfigPath,
      RPC_PREFIX: this.options.rpcPrefix ?? '',
      REDIS_PREFIX: this.options.redisPrefix ?? 'wise2c:ingress:',
      LOG_LEVEL: this.options.logLevel ?? 'info',
      ...this.options.env,
    };
  }

  /** Starts one controller replica (HTTP on a free port); returns its process and port. */
  async startController(
    env: Record<string, string> = {},
  ): Promise<{ proc: ManagedProcess; httpPort: number }> {
    const httpPort = await freePort();
    const name = `controller-${this.controllers.length + 1}`;
    const proc = new ManagedProcess(process.execPath, [CLI_PATH, 'controller'], {
      env: { ...this.baseEnv(), HTTP_PORT: String(httpPort), ...env },
      logFile: path.join(this.options.dir, 'logs', `${name}.log`),
    });
    this.controllers.push(proc);
    return { proc, httpPort };
  }

  /** Starts (or restarts, keeping its state folders) the agent `spec.name`. */
  async startAgent(spec: AgentSpec): Promise<AgentHandle> {
    const previous = this.agents.get(spec.name);
    const root = path.join(this.options.dir, 'agents', spec.name);
    const stateDir = previous?.stateDir ?? path.join(root, 'state');
    const nginxDir = previous?.nginxDir ?? path.join(root, 'nginx');
    const httpPort = previous?.httpPort ?? (await freePort());
    await mkdir(stateDir, { recursive: true });
    await mkdir(nginxDir, { recursive: true });
    const labels = Object.entries(spec.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const proc = new ManagedProcess(process.execPath, [CLI_PATH, 'agent'], {
      env: {
        ...this.baseEnv(),
        AGENT_NAME: spec.name,
        AGENT_LABELS: labels,
        AGENT_APPLIER: spec.applier ?? 'file',
        AGENT_STATE_DIR: stateDir,
        NGINX_CONF_DIR: nginxDir,
        NGINX_HTTP_PORT: String(httpPort),
        ...spec.env,
      },
      logFile: path.join(this.options.dir, 'logs', `agent-${spec.name}.log`),
    });
    const handle = { spec, proc, stateDir, nginxDir, httpPort };
    this.agents.set(spec.name, handle);
    return handle;
  }

  /** Stops every controller and agent process (SIGTERM, then SIGKILL after a grace period). */
  async stopProcesses(): Promise<void> {
    await Promise.allSettled([
      ...[...this.agents.values()].map((a) => a.proc.stop()),
      ...this.controllers.map((c) => c.stop()),
    ]);
  }

  /** Stops every process, then the servers this system started. */
  async stop(): Promise<void> {
    await this.stopProcesses();
    await Promise.allSettled([this.redis?.stop(), this.rabbit?.close()]);
  }
}
