// Connection lifecycle on a broker of this file's own: URL lists, and a restart during traffic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RabbitServer, waitFor } from '../../src/devservices/index.ts';
import { RpcClient, RpcConnection, RpcError, RpcServer } from '../../src/rpc/index.ts';
import { testEnv } from '../support/env.ts';
import { testContract, testHandlers, uniqueQueue } from '../support/rpc-fixtures.ts';

const DEAD_URL = 'amqp://guest:guest@127.0.0.1:1';
let rabbit: RabbitServer;

before(async () => {
  rabbit = await RabbitServer.start(await mkdtemp(path.join(testEnv().root, 'rpc-recovery-')));
});

after(async () => {
  await rabbit.close();
});

/** Records a connection's lifecycle events by name. */
function record(conn: RpcConnection): string[] {
  const seen: string[] = [];
  for (const event of ['connected', 'disconnected', 'reconnecting', 'error'] as const) {
    conn.on(event, () => seen.push(event));
  }
  return seen;
}

test('start() goes through the URL list until a node answers', async () => {
  const conn = new RpcConnection({
    urls: [DEAD_URL, rabbit.url],
    reconnect: { initialDelayMs: 10 },
  });
  const urls: string[] = [];
  conn.on('connected', ({ url }) => urls.push(url));
  const seen = record(conn);
  await conn.start();
  assert.equal(conn.connected, true);
  assert.deepEqual(urls, [rabbit.url.replace('guest:guest', 'guest:***')]);
  assert.deepEqual(seen, ['error', 'connected']); // the dead node, then the live one
  await conn.close();
  assert.equal(conn.connected, false);
});

test('with no node reachable, start() keeps retrying with growing delays until close()', async () => {
  const conn = new RpcConnection({
    urls: [DEAD_URL],
    reconnect: { initialDelayMs: 10, maxDelayMs: 80 },
  });
  const delays: number[] = [];
  conn.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
  const started = conn.start();
  await waitFor(() => delays.length >= 6, { what: 'six reconnect rounds' });
  await conn.close();
  await assert.rejects(started, (e: unknown) => e instanceof RpcError && e.code === 'UNAVAILABLE');
  assert.ok(
    delays.every((d) => d >= 5 && d <= 80),
    `delays ${delays.join(',')}`,
  );
  assert.ok(Math.max(...delays.slice(3)) > Math.max(...delays.slice(0, 1)), 'delays grow');
});

test('a broker restart during traffic: calls in flight fail UNAVAILABLE, then all recover', async () => {
  const options = {
    urls: [rabbit.url],
    heartbeatSeconds: 2,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  };
  const [callerConn, serverConn] = [new RpcConnection(options), new RpcConnection(options)];
  const [callerEvents, serverEvents] = [record(callerConn), record(serverConn)];
  await Promise.all([callerConn.start(), serverConn.start()]);
  const queue = uniqueQueue('restart');
  const handlers = testHandlers('s');
  const server = new RpcServer(serverConn, { queue, mode: 'lb', contract: testContract, handlers });
  const client = new RpcClient(callerConn, { defaultTimeoutMs: 10_000 });
  await Promise.all([server.start(), client.start()]);

  const failures: Record<string, number> = {};
  let ok = 0;
  let running = true;
  const worker = async (w: number) => {
    for (let n = 0; running; n++) {
      try {
        const result = await client.call(queue, testContract, 'Echo', { n: w * 1e6 + n });
        assert.equal(result.n, w * 1e6 + n);
        ok++;
      } catch (error) {
        const code = error instanceof RpcError ? error.code : String(error);
        failures[code] = (failures[code] ?? 0) + 1;
        await delay(10); // pacing: a fail-fast loop must not starve the event loop
      }
    }
  };
  const traffic = Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(worker));
  const hung = ['h1', 'h2'].map((id) =>
    client.call(queue, testContract, 'Hang', { id }, { timeoutMs: 60_000 }).then(
      () => assert.fail('a hung call succeeded'),
      (error: unknown) => ({ error, at: performance.now() }),
    ),
  );
  await waitFor(() => ok >= 200 && client.inFlight >= 2, { what: 'traffic and hung calls' });

  const stoppedAt = performance.now();
  await rabbit.stop();
  for (const { error, at } of await Promise.all(hung)) {
    assert.ok(error instanceof RpcError && error.code === 'UNAVAILABLE', String(error));
    assert.ok(at - stoppedAt < 15_000, 'in-flight calls hung instead of failing');
  }
  assert.equal(callerConn.connected, false);
  const t0 = performance.now();
  await assert.rejects(client.call(queue, testContract, 'Echo', { n: 1 }), { code: 'UNAVAILABLE' });
  assert.ok(performance.now() - t0 < 50, 'a call while disconnected must fail fast');

  const okBefore = ok;
  await rabbit.start();
  await waitFor(() => ok >= okBefore + 200, { timeoutMs: 20_000, what: 'traffic to recover' });
  running = false;
  await traffic;
  handlers.release('h1');
  handlers.release('h2');
  assert.deepEqual(Object.keys(failures), ['UNAVAILABLE'], JSON.stringify(failures));
  for (const seen of [callerEvents, serverEvents]) {
    for (const event of ['disconnected', 'reconnecting', 'connected'])
      assert.ok(seen.includes(event), `${event} missing from ${seen.join(',')}`);
    assert.equal(seen.filter((e) => e === 'connected').length, 2);
  }
  await server.stop();
  await client.close();
  await Promise.all([callerConn.close(), serverConn.close()]);
});
