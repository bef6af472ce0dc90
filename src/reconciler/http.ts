import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Starts /healthz, /readyz and /metrics; `ready()` lists what is not ready (empty: ready). */
export async function startHealthServer(options: {
  port: number;
  ready: () => string[];
  metrics: Registry;
}): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = req.url?.split('?')[0];
    if (url === '/healthz') return send(res, 200, 'ok\n');
    if (url === '/readyz') {
      const missing = options.ready();
      return missing.length === 0
        ? send(res, 200, 'ok\n')
        : send(res, 503, `not ready: ${missing.join(', ')}\n`);
    }
    if (url === '/metrics') {
      options.metrics.metrics().then(
        (body) => send(res, 200, body, options.metrics.contentType),
        (error: unknown) => send(res, 500, `${String(error)}\n`),
      );
      return;
    }
    send(res, 404, 'not found\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
