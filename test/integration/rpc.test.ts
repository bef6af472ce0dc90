// RpcClient and RpcServer against the shared RabbitMQ: modes, error codes, concurrency.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/devservices/index.ts';
import { RpcClient, RpcConnection, RpcError, RpcServer } from '../../src/rpc/index.ts';
import { testEnv } from '../support/env.ts';
import { RawPeer, testContract, testHandlers, uniqueQueue } from '../support/rpc-fixtures.ts';

let callerConn: RpcConnection;
let serverConn: RpcConnection;
let client: RpcClient;
const servers: RpcServer<typeof testContract>[] = [];

async function serve(queue: string, by: string, mode: 'lb' | 'single' = 'lb') {
  const handlers = testHandlers(by);
  const server = new RpcServer(serverConn, { queue, mode, contract: testContract, handlers });
  servers.push(server);
  await server.start();
  return { server, handlers };
}

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RpcError, `expected an RpcError, got ${String(error)}`);
  return error;
}

before(async () => {
  callerConn = new RpcConnection({ urls: [testEnv().amqpUrl], connectionName: 'rpc-test-caller' });
  serverConn = new RpcConnection({ urls: [testEnv().amqpUrl], connectionName: 'rpc-test-server' });
  await Promise.all([callerConn.start(), serverConn.start()]);
  client = new RpcClient(callerConn, { defaultTimeoutMs: 5000 });
  await client.start();
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await client.close();
  await Promise.all([callerConn.close(), serverConn.close()]);
});

test('LB mode spreads calls over the servers sharing a queue', async () => {
  const queue = uniqueQueue('lb');
  const [a, b] = [await serve(queue, 'a'), await serve(queue, 'b')];
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, n) => client.call(queue, testContract, 'Echo', { n })),
  );
  results.forEach((r, n) => assert.equal(r.n, n));
  assert.equal(a.handlers.served + b.handlers.served, 200);
  assert.ok(
    a.handlers.served > 0 && b.handlers.served > 0,
    `a ${a.handlers.served}, b ${b.handlers.served}`,
  );
});

test('single mode reaches only the named server, and one active consumer per queue', async () => {
  const [qa, qb] = [uniqueQueue('agent-a'), uniqueQueue('agent-b')];
  const a = await serve(qa, 'a', 'single');
  const twin = await serve(qa, 'a-twin', 'single');
  const b = await serve(qb, 'b', 'single');
  for (let n = 0; n < 20; n++) {
    assert.equal((await client.call(qa, testContract, 'Echo', { n })).by, 'a');
    assert.equal((await client.call(qb, testContract, 'Echo', { n })).by, 'b');
  }
  assert.deepEqual([a.handlers.served, twin.handlers.served, b.handlers.served], [20, 0, 20]);
});

test('a call to a missing queue fails UNROUTABLE at once, not at the timeout', async () => {
  const started = performance.now();
  const error = await rejection(
    client.call(uniqueQueue('missing'), testContract, 'Echo', { n: 1 }, { timeoutMs: 5000 }),
  );
  assert.equal(error.code, 'UNROUTABLE');
  assert.ok(performance.now() - started < 1000, 'UNROUTABLE took as long as a timeout');
  assert.equal(client.inFlight, 0);
});

test('TIMEOUT when the server never answers; its late answer does not disturb later calls', async () => {
  const queue = uniqueQueue('slow');
  const { server, handlers } = await serve(queue, 'slow');
  let answered = 0;
  server.on('request', () => answered++);
  const started = performance.now();
  const error = await rejection(
    client.call(queue, testContract, 'Hang', { id: 'h1' }, { timeoutMs: 300 }),
  );
  assert.equal(error.code, 'TIMEOUT');
  assert.ok(performance.now() - started >= 290);
  handlers.release('h1');
  await waitFor(() => answered === 1, { what: 'the late reply to be sent' });
  const results = await Promise.all(
    [1, 2, 3].map((n) => client.call(queue, testContract, 'Echo', { n })),
  );
  assert.deepEqual(
    results.map((r) => r.n),
    [1, 2, 3],
  );
  assert.equal(client.inFlight, 0);
});

test('REMOTE carries the handler message; an RpcError thrown by a handler keeps its code', async () => {
  const queue = uniqueQueue('fail');
  await serve(queue, 'f');
  const remote = await rejection(
    client.call(queue, testContract, 'Fail', { message: 'disk full' }),
  );
  assert.equal(remote.code, 'REMOTE');
  assert.equal(remote.message, 'disk full');
  const typed = await rejection(
    client.call(queue, testContract, 'Fail', { message: 'no', rpc: true }),
  );
  assert.equal(typed.code, 'BAD_REQUEST');
  assert.equal(typed.message, 'no');
  const wrong = await rejection(client.call(queue, testContract, 'Wrong', {}));
  assert.equal(wrong.code, 'REMOTE');
  assert.match(wrong.message, /invalid result from the Wrong handler: result\.n/);
});

test('an invalid request fails BAD_REQUEST before anything is sent', async () => {
  const bad = { n: 1.5 }; // not an integer
  // A missing queue would answer UNROUTABLE: BAD_REQUEST proves nothing was published.
  const error = await rejection(client.call(uniqueQueue('none'), testContract, 'Echo', bad));
  assert.equal(error.code, 'BAD_REQUEST');
  assert.match(error.message, /^request\.n: /);
});

test('a result that breaks the contract fails REMOTE on the client too', async () => {
  const queue = uniqueQueue('liar');
  const raw = await new RawPeer().open(testEnv().amqpUrl);
  try {
    await raw.channel.assertQueue(queue, { exclusive: true });
    await raw.channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const body = JSON.stringify({ ok: true, result: { n: 'x', by: 1 } });
        raw.channel.sendToQueue(String(msg.properties.replyTo), Buffer.from(body), {
          correlationId: msg.properties.correlationId as string,
        });
      },
      { noAck: true },
    );
    const error = await rejection(client.call(queue, testContract, 'Echo', { n: 1 }));
    assert.equal(error.code, 'REMOTE');
    assert.match(error.message, new RegExp(`invalid result from ${queue} Echo: result\\.n`));
  } finally {
    await raw.close();
  }
});

test('1,000 concurrent calls each get their own result', async () => {
  const queue = uniqueQueue('many');
  await serve(queue, 'x');
  await serve(queue, 'y');
  let maxInFlight = 0;
  const calls = Array.from({ length: 1000 }, (_, n) => {
    const call = client.call(queue, testContract, 'Echo', { n }, { timeoutMs: 20_000 });
    maxInFlight = Math.max(maxInFlight, client.inFlight);
    return call;
  });
  const results = await Promise.all(calls);
  results.forEach((r, n) => assert.equal(r.n, n));
  assert.equal(maxInFlight, 1000);
  assert.equal(client.inFlight, 0);
});

test('calls fail fast with UNAVAILABLE when the client has no broker connection', async () => {
  const nowhere = new RpcConnection({ urls: ['amqp://guest:guest@127.0.0.1:1'] });
  const offline = new RpcClient(nowhere);
  const outcomes: string[] = [];
  offline.on('call', ({ outcome }) => outcomes.push(outcome));
  void nowhere.start().catch(() => undefined);
  const started = performance.now();
  const error = await rejection(offline.call(uniqueQueue('x'), testContract, 'Echo', { n: 1 }));
  assert.equal(error.code, 'UNAVAILABLE');
  assert.ok(performance.now() - started < 50);
  assert.deepEqual(outcomes, ['UNAVAILABLE']);
  await Promise.all([offline.close(), nowhere.close()]);
});

test('start() rejects when the broker refuses the queue, and the connection stays usable', async () => {
  const queue = uniqueQueue('clash');
  await serve(queue, 'lb-owner', 'lb');
  const handlers = testHandlers('single');
  const clash = new RpcServer(serverConn, {
    queue,
    mode: 'single',
    contract: testContract,
    handlers,
  });
  await assert.rejects(clash.start(), /PRECONDITION_FAILED/);
  assert.equal(serverConn.connected, true);
  assert.equal((await client.call(queue, testContract, 'Echo', { n: 3 })).by, 'lb-owner');
});
