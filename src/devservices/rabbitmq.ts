import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import amqp from 'amqplib';
import { ManagedProcess, freePort, waitFor, waitForPort } from './process.ts';

const DEBIAN_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node on 127.0.0.1 with its data, logs and its own epmd in `dir`, that can be stopped
 * and started again on the same port. Debian's wrapper in /usr/sbin switches to the `rabbitmq`
 * user when run as root; the script behind it runs as any user (root included), so it is used
 * where it exists and no chown of the folder is needed.
 */
export class RabbitServer {
  readonly port: number;
  readonly dir: string;
  readonly #distPort: number;
  readonly #epmdPort: number;
  readonly #nodeName: string;
  #proc: ManagedProcess | undefined;
  #epmd: ManagedProcess | undefined;

  private constructor(dir: string, port: number, distPort: number, epmdPort: number) {
    this.dir = dir;
    this.port = port;
    this.#distPort = distPort;
    this.#epmdPort = epmdPort;
    this.#nodeName = `w2i${port}@localhost`;
  }

  /** Starts a node in `dir` (created if needed); about 6 s on these machines. */
  static async start(dir: string, port?: number): Promise<RabbitServer> {
    const server = new RabbitServer(
      dir,
      port ?? (await freePort()),
      await freePort(),
      await freePort(),
    );
    for (const sub of ['mnesia', 'log', 'home'])
      await mkdir(path.join(dir, sub), { recursive: true });
    await writeFile(path.join(dir, 'enabled_plugins'), '[].\n');
    await writeFile(
      path.join(dir, 'rabbitmq.conf'),
      `listeners.tcp.default = 127.0.0.1:${server.port}\nloopback_users = none\n`,
    );
    await server.start();
    return server;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /** Starts the node again after stop() or kill(); resolves once it accepts AMQP connections. */
  async start(): Promise<void> {
    if (this.running) return;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RABBITMQ_NODENAME: this.#nodeName,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.#distPort),
      ERL_EPMD_PORT: String(this.#epmdPort),
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      HOME: path.join(this.dir, 'home'),
    };
    if (!this.#epmd?.running) {
      this.#epmd = new ManagedProcess('epmd', ['-port', String(this.#epmdPort)], {
        env,
        logFile: path.join(this.dir, 'epmd.log'),
      });
      await waitForPort(this.#epmdPort, 5_000);
    }
    const command = existsSync(DEBIAN_SERVER) ? DEBIAN_SERVER : 'rabbitmq-server';
    this.#proc = new ManagedProcess(command, [], {
      env,
      cwd: this.dir, // where a crashed node writes erl_crash.dump
      logFile: path.join(this.dir, 'server.log'),
    });
    const exited = this.#proc.exited.then((code) => {
      throw new Error(`rabbitmq-server exited with ${code}; see ${this.dir}/server.log`);
    });
    await Promise.race([this.#waitForAmqp(), exited]);
  }

  async #waitForAmqp(): Promise<void> {
    await waitForPort(this.port, 60_000);
    await waitFor(
      async () => {
        const conn = await amqp.connect(this.url);
        await conn.close();
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `RabbitMQ on port ${this.port}` },
    );
  }

  /** Graceful shutdown of the node (epmd is kept for a later start()). */
  async stop(): Promise<void> {
    await this.#proc?.stop(10_000);
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    this.#proc?.signal('SIGKILL');
    await this.#proc?.exited;
  }

  /** Stops the node and its epmd. */
  async close(): Promise<void> {
    await this.stop();
    await this.#epmd?.stop();
  }
}
