import http from 'node:http';

/** Small HTTP servers standing in for backends: each answers with its port and the path asked. */
export async function startUpstreams(
  ports: readonly number[],
): Promise<{ close: () => Promise<void> }> {
  const servers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<http.Server>((resolve, reject) => {
          const server = http.createServer((req, res) => {
            const body = `hello from upstream 127.0.0.1:${port}, you asked for ${req.headers.host ?? ''}${req.url ?? ''}\n`;
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(body);
          });
          server.once('error', (error) =>
            reject(
              new Error(`demo upstream port ${port} is busy: free it and run the demo again`, {
                cause: error,
              }),
            ),
          );
          server.listen(port, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  return {
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve()))),
        ),
      );
    },
  };
}
