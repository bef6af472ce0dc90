// A small upstream HTTP server that says who it is and what it was asked, and a client that
// sends a request to a port with a chosen Host header.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an upstream answered: its name and the Host and path nginx forwarded. */
export interface Echo {
  upstream: string;
  host: string;
  path: string;
}

/** An HTTP server on 127.0.0.1 answering every request with an Echo. */
export async function startUpstream(
  name: string,
): Promise<{ port: number; address: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        upstream: name,
        host: req.headers.host ?? '',
        path: req.url ?? '',
      } satisfies Echo),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** GET http://127.0.0.1:<port><path> with `Host: host`; status and body. */
export function get(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The Echo of a proxied request, or undefined when nginx did not route it to an upstream. */
export async function routedTo(
  port: number,
  host: string,
  path: string,
): Promise<Echo | undefined> {
  const { status, body } = await get(port, host, path);
  return status === 200 ? (JSON.parse(body) as Echo) : undefined;
}
