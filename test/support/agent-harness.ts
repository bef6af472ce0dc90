// The controller side of the agent tests, in the test process: the LB queue served with the
// registry's handlers plus GetIngressConfigs from an in-test store, and agents as CLI processes.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { ManagedProcess, waitFor } from '../../src/devservices/index.ts';
import { AgentRegistry, registryHandlers } from '../../src/registry/index.ts';
import {
  RpcClient,
  RpcConnection,
  RpcServer,
  agentContract,
  agentQueue,
  controllerContract,
  controllerQueue,
} from '../../src/rpc/index.ts';
import type { IngressConfig } from '../../src/spec/index.ts';

/** agentContract with no request validation on the caller's side, so bad requests reach the agent. */
export const uncheckedAgentContract = {
  SetIngressConfig: { request: z.any(), result: agentContract.SetIngressConfig.result },
  DelIngressConfig: { request: z.any(), result: agentContract.DelIngressConfig.result },
};

/** A stand-in controller: registry handlers, a config store, and a client to call agents. */
export class TestController {
  readonly rpcPrefix = `t${randomUUID().slice(0, 8)}.`;
  readonly redisPrefix = `test:${randomUUID().slice(0, 8)}:`;
  /** What GetIngressConfigs answers, per agent name (absent: none). */
  readonly store = new Map<string, IngressConfig[]>();
  readonly redis: Redis;
  readonly registry: AgentRegistry;
  readonly connection: RpcConnection;
  readonly client: RpcClient;
  readonly server: RpcServer<typeof controllerContract>;

  constructor(options: { redisUrl: string; amqpUrl: string; ttlMs: number }) {
    this.redis = new Redis(options.redisUrl);
    this.registry = new AgentRegistry(this.redis, {
      prefix: this.redisPrefix,
      ttlMs: options.ttlMs,
    });
    this.connection = new RpcConnection({
      urls: [options.amqpUrl],
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    this.client = new RpcClient(this.connection, { defaultTimeoutMs: 10_000 });
    this.server = new RpcServer(this.connection, {
      queue: controllerQueue(this.rpcPrefix),
      mode: 'lb',
      contract: controllerContract,
      handlers: {
        ...registryHandlers(this.registry),
        GetIngressConfigs: ({ name }) => Promise.resolve({ configs: this.store.get(name) ?? [] }),
      },
    });
  }

  async start(): Promise<this> {
    await this.connection.start();
    await Promise.all([this.client.start(), this.server.start()]);
    return this;
  }

  /** Names of the live agents. */
  async live(): Promise<string[]> {
    return (await this.registry.liveAgents()).map((a) => a.name);
  }

  set(agent: string, config: unknown) {
    return this.client.call(
      agentQueue(agent, this.rpcPrefix),
      uncheckedAgentContract,
      'SetIngressConfig',
      { config },
    );
  }

  del(agent: string, ref: { uid: string; namespace: string; name: string }) {
    return this.client.call(
      agentQueue(agent, this.rpcPrefix),
      agentContract,
      'DelIngressConfig',
      ref,
    );
  }

  async close(): Promise<void> {
    await this.server.stop();
    await this.client.close();
    await this.connection.close();
    this.redis.disconnect();
  }
}

/** One agent run as a user runs it: `node src/cli.ts agent`, flags from `settings` (env names). */
export class AgentProcess {
  readonly name: string;
  readonly logFile: string;
  readonly proc: ManagedProcess;

  private constructor(name: string, logFile: string, proc: ManagedProcess) {
    this.name = name;
    this.logFile = logFile;
    this.proc = proc;
  }

  static async spawn(
    dir: string,
    name: string,
    settings: Record<string, string | number>,
  ): Promise<AgentProcess> {
    await mkdir(dir, { recursive: true });
    const logFile = path.join(dir, `${name}.${Date.now()}.log`);
    const cli = path.join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
    const env: NodeJS.ProcessEnv = { ...process.env, AGENT_NAME: name, LOG_LEVEL: 'debug' };
    for (const [key, value] of Object.entries(settings)) env[key] = String(value);
    return new AgentProcess(
      name,
      logFile,
      new ManagedProcess(process.execPath, [cli, 'agent'], { env, logFile }),
    );
  }

  /** The agent's JSON log lines so far. */
  async logs(): Promise<{ msg: string; [key: string]: unknown }[]> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string });
  }

  /** Resolves once the agent logged `agent ready`; rejects if it exited first. */
  async ready(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.proc.running) throw new Error(`agent ${this.name} exited; see ${this.logFile}`);
        return (await this.logs()).some((l) => l.msg === 'agent ready');
      },
      { timeoutMs, what: `agent ${this.name} ready (log ${this.logFile})` },
    );
  }
}
