// What a misbehaving peer can publish onto a server's queue: each gets the right error reply (or is
// dropped when it cannot be answered), and the server keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/devservices/index.ts';
import { RpcClient, RpcConnection, RpcServer } from '../../src/rpc/index.ts';
import { testEnv } from '../support/env.ts';
import { RawPeer, testContract, testHandlers, uniqueQueue } from '../support/rpc-fixtures.ts';

const queue = uniqueQueue('malformed');
const v1 = { type: 'Echo', headers: { 'x-rpc-version': 1 }, contentType: 'application/json' };
let conn: RpcConnection;
let server: RpcServer<typeof testContract>;
let client: RpcClient;
let raw: RawPeer;
const rejected: string[] = [];
const outcomes: string[] = [];

before(async () => {
  conn = new RpcConnection({ urls: [testEnv().amqpUrl] });
  await conn.start();
  const handlers = testHandlers('s');
  server = new RpcServer(conn, {
    queue,
    mode: 'lb',
    contract: testContract,
    handlers,
    maxRequestBytes: 1024,
  });
  server.on('rejected', ({ reason }) => rejected.push(reason));
  server.on('request', ({ outcome }) => outcomes.push(outcome));
  await server.start();
  client = new RpcClient(conn);
  await client.start();
  raw = await new RawPeer().open(testEnv().amqpUrl);
});

after(async () => {
  await raw.close();
  await server.stop();
  await client.close();
  await conn.close();
});

async function stillServes(): Promise<void> {
  assert.deepEqual(await client.call(queue, testContract, 'Echo', { n: 7 }), { n: 7, by: 's' });
}

const cases: [string, Buffer | string, object, string, RegExp][] = [
  ['garbage bytes', Buffer.from([0xff, 0x00, 0x13, 0x37]), v1, 'BAD_REQUEST', /not JSON/],
  ['a wrong field type', '{"n":"seven"}', v1, 'BAD_REQUEST', /^request\.n: /],
  ['an unknown field', '{"n":1,"evil":true}', v1, 'BAD_REQUEST', /evil/],
  ['a JSON array', '[1,2]', v1, 'BAD_REQUEST', /^request: /],
  [
    'a body over maxRequestBytes',
    `{"n":1,"pad":"${'x'.repeat(2000)}"}`,
    v1,
    'BAD_REQUEST',
    /over the limit of 1024/,
  ],
  [
    'version 2',
    '{"n":1}',
    { ...v1, headers: { 'x-rpc-version': 2 } },
    'BAD_REQUEST',
    /x-rpc-version 2/,
  ],
  ['no version', '{"n":1}', { ...v1, headers: {} }, 'BAD_REQUEST', /x-rpc-version null/],
  ['an unknown method', '{"n":1}', { ...v1, type: 'DropTables' }, 'UNKNOWN_METHOD', /DropTables/],
  ['__proto__ as method', '{}', { ...v1, type: '__proto__' }, 'UNKNOWN_METHOD', /__proto__/],
  ['toString as method', '{}', { ...v1, type: 'toString' }, 'UNKNOWN_METHOD', /toString/],
  ['no method', '{"n":1}', { ...v1, type: undefined }, 'UNKNOWN_METHOD', /""/],
];

for (const [what, body, props, code, message] of cases) {
  test(`${what} gets a ${code} reply and the server keeps serving`, async () => {
    const id = raw.publish(queue, body, props);
    const reply = (await raw.reply(id)) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, code);
    assert.match(reply.error.message, message);
    await stillServes();
  });
}

test('a request without replyTo is acked and dropped, and the server keeps serving', async () => {
  const before = rejected.length;
  raw.channel.sendToQueue(queue, Buffer.from('{"n":1}'), { ...v1, correlationId: 'c1' });
  raw.channel.sendToQueue(queue, Buffer.from('junk'), v1);
  await waitFor(() => rejected.length === before + 2, { what: 'two rejected events' });
  assert.deepEqual(rejected.slice(before), [
    'request without replyTo',
    'request body is not JSON; no replyTo',
  ]);
  await stillServes();
  const { messageCount } = await raw.channel.checkQueue(queue);
  assert.equal(messageCount, 0, 'dropped messages must be acked, not left in the queue');
});

test('replies to queues that do not exist do not disturb the server', async () => {
  const before = outcomes.length;
  for (const replyTo of ['no-such-queue', 'amq.rabbitmq.reply-to.bogus', 'x'.repeat(255)]) {
    raw.channel.sendToQueue(queue, Buffer.from('{"n":1}'), { ...v1, replyTo, correlationId: 'c' });
  }
  await waitFor(() => outcomes.length >= before + 3, { what: 'three answered requests' });
  await stillServes();
  assert.equal(conn.connected, true);
});

test('every answered request was reported with its outcome', () => {
  for (const code of ['BAD_REQUEST', 'UNKNOWN_METHOD', 'ok']) assert.ok(outcomes.includes(code));
});
