// The heartbeat registry and roster watcher against the shared Redis, and its RPC handlers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { AgentRegistry, RosterWatcher, type Agent } from '../../src/registry/index.ts';
import { RpcError, controllerContract, controllerQueue } from '../../src/rpc/index.ts';
import { waitFor } from '../../src/devservices/index.ts';
import { TestController } from '../support/agent-harness.ts';
import { testEnv } from '../support/env.ts';

let redis: Redis;
let now = 1_000_000;
const clock = () => now;
const fresh = (ttlMs = 3000) =>
  new AgentRegistry(redis, { prefix: `test:${randomUUID().slice(0, 8)}:`, ttlMs, clock });

before(() => {
  redis = new Redis(testEnv().redisUrl);
});
after(() => redis.disconnect());

test('online writes the sorted set (controller clock) and the hash with a TTL', async () => {
  const registry = fresh();
  await registry.online({ name: 'a', labels: { zone: 'x', app: 'y' }, version: '1.2.3' });
  assert.equal(await redis.zscore(registry.agentsKey, 'a'), String(now));
  assert.deepEqual(await redis.hgetall(registry.agentKey('a')), {
    labels: '{"app":"y","zone":"x"}',
    version: '1.2.3',
    lastSeen: String(now),
  });
  const pttl = await redis.pttl(registry.agentKey('a'));
  assert.ok(pttl > 3000 && pttl <= 6000, `hash TTL ${pttl}`);
  assert.deepEqual(await registry.liveAgents(), [
    { name: 'a', labels: { app: 'y', zone: 'x' }, version: '1.2.3', lastSeen: now },
  ]);
});

test('an agent is live while younger than ttlMs; sweep removes the stale; offline removes at once', async () => {
  const registry = fresh(3000);
  await registry.online({ name: 'old', labels: {}, version: '1' });
  now += 2000;
  await registry.online({ name: 'new', labels: {}, version: '1' });
  await registry.online({ name: 'leaving', labels: {}, version: '1' });
  now += 999;
  assert.deepEqual(
    (await registry.liveAgents()).map((a) => a.name),
    ['leaving', 'new', 'old'],
  );
  now += 1;
  assert.deepEqual(
    (await registry.liveAgents()).map((a) => a.name),
    ['leaving', 'new'],
  );
  assert.equal(await registry.sweep(), 1);
  assert.deepEqual(await redis.zrange(registry.agentsKey, '0', '-1'), ['leaving', 'new']);
  await registry.offline('leaving');
  assert.deepEqual(
    (await registry.liveAgents()).map((a) => a.name),
    ['new'],
  );
  assert.equal(await redis.exists(registry.agentKey('leaving')), 0);
});

test('many heartbeats at once are all recorded (they share MULTIs)', async () => {
  const registry = fresh();
  await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      registry.online({ name: `agent-${i}`, labels: { i: String(i) }, version: '1' }),
    ),
  );
  const live = await registry.liveAgents();
  assert.equal(live.length, 500);
  assert.deepEqual(live.find((a) => a.name === 'agent-42')?.labels, { i: '42' });
});

test('the roster watcher reports joined, labelsChanged and left', async () => {
  const registry = fresh(3000);
  const watcher = new RosterWatcher(registry);
  const events: string[] = [];
  watcher.on('joined', (a: Agent) => events.push(`joined ${a.name} ${JSON.stringify(a.labels)}`));
  watcher.on('left', (a: Agent) => events.push(`left ${a.name}`));
  watcher.on('labelsChanged', (a: Agent, previous) =>
    events.push(`labels ${a.name} ${JSON.stringify(previous)}→${JSON.stringify(a.labels)}`),
  );
  await registry.online({ name: 'a', labels: { z: '1' }, version: '1' });
  await registry.online({ name: 'b', labels: {}, version: '1' });
  await watcher.refresh();
  assert.deepEqual(events.splice(0), ['joined a {"z":"1"}', 'joined b {}']);
  now += 2000;
  await registry.online({ name: 'a', labels: { z: '2' }, version: '1' });
  await watcher.refresh();
  assert.deepEqual(events.splice(0), ['labels a {"z":"1"}→{"z":"2"}']);
  now += 1500; // b is 3.5 s old
  await watcher.refresh();
  assert.deepEqual(events.splice(0), ['left b']);
  assert.deepEqual([...watcher.agents.keys()], ['a']);
  await watcher.refresh();
  assert.deepEqual(events, [], 'no change, no event');
});

test('the roster watcher runs on its own timer and reports a failed read as an error event', async () => {
  const broken = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  broken.on('error', () => undefined); // connection errors surface as command failures
  const watcher = new RosterWatcher(new AgentRegistry(broken, { prefix: 'x:' }), {
    intervalMs: 20,
  });
  const errors: Error[] = [];
  watcher.on('error', (error) => errors.push(error));
  watcher.start();
  await waitFor(() => errors.length >= 2, { timeoutMs: 5000, what: 'two error events' });
  await watcher.stop();
  assert.match(errors[0]!.message, /registry: sweeping stale agents failed/);
  broken.disconnect();
});

test('with Redis Cluster the prefix must carry a hash tag', () => {
  const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
  assert.throws(() => new AgentRegistry(cluster, { prefix: 'wise2c:ingress:' }), /hash tag/);
  assert.doesNotThrow(() => new AgentRegistry(cluster, { prefix: '{wise2c:ingress}:' }));
  cluster.disconnect();
});

test('OnlineAgent and OfflineAgent over RPC write the registry; a bad name is BAD_REQUEST', async () => {
  const ctl = await new TestController({
    redisUrl: testEnv().redisUrl,
    amqpUrl: testEnv().amqpUrl,
    ttlMs: 3000,
  }).start();
  try {
    const queue = controllerQueue(ctl.rpcPrefix);
    await ctl.client.call(queue, controllerContract, 'OnlineAgent', {
      name: 'edge-1',
      labels: { a: 'b' },
      version: '9',
    });
    assert.deepEqual(await ctl.live(), ['edge-1']);
    await ctl.client.call(queue, controllerContract, 'OfflineAgent', { name: 'edge-1' });
    assert.deepEqual(await ctl.live(), []);
    const unchecked = {
      OnlineAgent: {
        ...controllerContract.OnlineAgent,
        request: controllerContract.OfflineAgent.request.loose(),
      },
    };
    await assert.rejects(
      ctl.client.call(queue, unchecked, 'OnlineAgent', { name: 'Bad Name;' }),
      (error: unknown) => error instanceof RpcError && error.code === 'BAD_REQUEST',
    );
  } finally {
    await ctl.close();
  }
});
