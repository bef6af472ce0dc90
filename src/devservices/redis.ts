import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ManagedProcess, freePort, waitForPort } from './process.ts';

/** A redis-server on 127.0.0.1 with no persistence, that can be stopped and started again on its port. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #proc: ManagedProcess | undefined;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server in `dir` (created if needed) on `port` (a free one if absent). */
  static async start(dir: string, port?: number): Promise<RedisServer> {
    await mkdir(dir, { recursive: true });
    const server = new RedisServer(dir, port ?? (await freePort()));
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /** Starts the server again after stop() or kill(). */
  async start(): Promise<void> {
    if (this.running) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    args.push('--daemonize', 'no', '--dir', this.dir, '--protected-mode', 'no');
    this.#proc = new ManagedProcess('redis-server', args, {
      logFile: path.join(this.dir, 'redis.log'),
    });
    await Promise.race([
      waitForPort(this.port, 10_000),
      this.#proc.exited.then((code) => {
        throw new Error(`redis-server exited with ${code}; see ${this.dir}/redis.log`);
      }),
    ]);
  }

  /** Graceful shutdown. */
  async stop(): Promise<void> {
    await this.#proc?.stop();
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    this.#proc?.signal('SIGKILL');
    await this.#proc?.exited;
  }
}
