// A TCP proxy the fault tests control: it forwards 127.0.0.1:port to a target, and pause() cuts
// the path without closing anything (bytes both ways are held, as a network partition would),
// until resume() delivers what was held; cut() closes every connection at once.
import net from 'node:net';

interface Pipe {
  client: net.Socket;
  server: net.Socket;
}

/** One listening proxy in front of `targetPort`. */
export class TcpProxy {
  readonly port: number;
  readonly #server: net.Server;
  readonly #pipes = new Set<Pipe>();
  #paused = false;

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Listens on a free port and forwards every connection to `targetPort`. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetPort, targetHost));
    return proxy;
  }

  /** `amqp://…@host:targetPort` rewritten to go through the proxy. */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.host = `127.0.0.1:${this.port}`;
    return url.toString().replace(/\/$/, '');
  }

  /** Connections currently forwarded. */
  get connections(): number {
    return this.#pipes.size;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops forwarding in both directions; what arrives is held (kernel buffers, then here). */
  pause(): void {
    this.#paused = true;
    for (const { client, server } of this.#pipes) {
      client.pause();
      server.pause();
    }
  }

  /** Forwards again, held bytes first. */
  resume(): void {
    this.#paused = false;
    for (const { client, server } of this.#pipes) {
      client.resume();
      server.resume();
    }
  }

  /** Closes every forwarded connection abruptly. */
  cut(): void {
    for (const { client, server } of this.#pipes) {
      client.destroy();
      server.destroy();
    }
    this.#pipes.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  accept(client: net.Socket, port: number, host: string): void {
    const server = net.connect({ port, host });
    const pipe = { client, server };
    this.#pipes.add(pipe);
    // Data is written by hand (not pipe()) so pause() holds it even when a write is in flight.
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => client.write(chunk));
    const end = () => {
      this.#pipes.delete(pipe);
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    if (this.#paused) {
      client.pause();
      server.pause();
    }
  }
}
