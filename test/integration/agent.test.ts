// Agents as CLI processes against real Redis, RabbitMQ and nginx, with a stand-in controller.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort, waitFor } from '../../src/devservices/index.ts';
import { RpcError } from '../../src/rpc/index.ts';
import { INJECTIONS, injected, makeConfig } from '../support/agent-configs.ts';
import { AgentProcess, TestController } from '../support/agent-harness.ts';
import { get, routedTo, startUpstream } from '../support/agent-upstream.ts';
import { testEnv } from '../support/env.ts';

const FAST = { HEARTBEAT_INTERVAL_MS: 200, AGENT_TTL_MS: 600 };
let root: string;
let ctl: TestController;
const agents: AgentProcess[] = [];

before(async () => {
  const env = testEnv();
  root = await mkdtemp(path.join(env.root, 'agent-'));
  ctl = await new TestController({
    redisUrl: env.redisUrl,
    amqpUrl: env.amqpUrl,
    ttlMs: FAST.AGENT_TTL_MS,
  }).start();
});

after(async () => {
  await Promise.all(agents.map((a) => a.proc.stop()));
  await ctl.close();
});

async function spawn(
  name: string,
  settings: Record<string, string | number> = {},
): Promise<AgentProcess> {
  const agent = await AgentProcess.spawn(path.join(root, name), name, {
    AMQP_URL: testEnv().amqpUrl,
    RPC_PREFIX: ctl.rpcPrefix,
    AGENT_APPLIER: 'file',
    AGENT_STATE_DIR: path.join(root, name, 'state'),
    AGENT_LABELS: 'zone=a,tier=edge',
    HEARTBEAT_INTERVAL_MS: FAST.HEARTBEAT_INTERVAL_MS,
    ...settings,
  });
  agents.push(agent);
  return agent;
}

const stateOf = async (name: string) =>
  (await readdir(path.join(root, name, 'state')).catch(() => [])).sort();

test('an agent appears in the registry within one heartbeat of being ready, with its labels', async () => {
  const agent = await spawn('edge-a');
  await agent.ready();
  await waitFor(async () => (await ctl.live()).includes('edge-a'), {
    timeoutMs: FAST.HEARTBEAT_INTERVAL_MS,
    what: 'edge-a live',
  });
  const [seen] = (await ctl.registry.liveAgents()).filter((a) => a.name === 'edge-a');
  assert.deepEqual(seen?.labels, { tier: 'edge', zone: 'a' });
  assert.equal(seen?.version, '0.1.0');
});

test('SIGKILL: the agent drops out within AGENT_TTL_MS + 1 s', async () => {
  const agent = agents.find((a) => a.name === 'edge-a')!;
  agent.proc.signal('SIGKILL');
  const killedAt = Date.now();
  await waitFor(async () => !(await ctl.live()).includes('edge-a'), {
    timeoutMs: FAST.AGENT_TTL_MS + 1000,
    what: 'edge-a gone after SIGKILL',
  });
  assert.ok(Date.now() - killedAt <= FAST.AGENT_TTL_MS + 1000);
});

test('every injection pattern is refused with BAD_REQUEST at the agent and nothing is written', async () => {
  const agent = await spawn('edge-inj');
  await agent.ready();
  for (const field of ['host', 'path', 'upstream'] as const) {
    for (const value of INJECTIONS) {
      await assert.rejects(
        ctl.set('edge-inj', injected(field, value)),
        (error: unknown) => error instanceof RpcError && error.code === 'BAD_REQUEST',
        `${field} with ${JSON.stringify(value)}`,
      );
    }
  }
  assert.deepEqual(await stateOf('edge-inj'), []);
  assert.deepEqual(
    await ctl.set('edge-inj', makeConfig()),
    { generation: 1 },
    'a clean config still applies',
  );
  assert.deepEqual(await stateOf('edge-inj'), ['default_web.json']);
});

test('a restarted agent re-pulls its configs, applies them and removes what is no longer wanted, before it is live', async () => {
  const a = makeConfig({ name: 'a', uid: 'ua', path: '/a' });
  const b = makeConfig({ name: 'b', uid: 'ub', path: '/b' });
  ctl.store.set('edge-r', [a, b]);
  const first = await spawn('edge-r');
  await first.ready();
  assert.deepEqual(await stateOf('edge-r'), ['default_a.json', 'default_b.json']);
  first.proc.child.kill('SIGTERM');
  assert.equal(await first.proc.exited, 0);

  ctl.store.set('edge-r', [
    { ...a, generation: 2 },
    makeConfig({ name: 'c', uid: 'uc', path: '/c' }),
  ]);
  const second = await spawn('edge-r');
  await waitFor(async () => (await ctl.live()).includes('edge-r'), {
    timeoutMs: 20_000,
    what: 'edge-r live again',
  });
  // Live implies ready, and ready implies the pulled set is applied.
  assert.deepEqual(await stateOf('edge-r'), ['default_a.json', 'default_c.json']);
  const saved = JSON.parse(
    await readFile(path.join(root, 'edge-r', 'state', 'default_a.json'), 'utf8'),
  ) as { generation: number };
  assert.equal(saved.generation, 2);
  assert.ok(
    (await second.logs()).some(
      (l) => l.msg === 'configs pulled' && l.removed === 1 && l.applied === 2,
    ),
  );
});

test('the nginx applier end to end: route by host and path, nginx -t failure, stale generation, conflict, delete', async () => {
  const upstream = await startUpstream('app');
  const port = await freePort();
  try {
    const agent = await spawn('edge-nginx', {
      AGENT_APPLIER: 'nginx',
      NGINX_CONF_DIR: path.join(root, 'edge-nginx', 'nginx'),
      NGINX_BIN: '/usr/sbin/nginx',
      NGINX_HTTP_PORT: port,
    });
    await agent.ready();
    const web = makeConfig({
      host: 'web.test',
      path: '/api',
      upstreams: [upstream.address],
      generation: 3,
    });
    assert.deepEqual(await ctl.set('edge-nginx', web), { generation: 3 });
    assert.deepEqual(await routedTo(port, 'web.test', '/api/v1'), {
      upstream: 'app',
      host: 'web.test',
      path: '/api/v1',
    });

    const broken = makeConfig({
      name: 'broken',
      uid: 'x',
      host: 'web.test',
      path: '/x',
      upstreams: ['nowhere.invalid:81'],
    });
    await assert.rejects(ctl.set('edge-nginx', broken), (error: unknown) => {
      assert.ok(error instanceof RpcError && error.code === 'REMOTE');
      assert.match(
        error.message,
        /nginx -t failed: .*host not found in upstream "nowhere\.invalid:81"/,
      );
      return true;
    });
    assert.equal((await get(port, 'web.test', '/x')).status, 404);
    assert.equal((await routedTo(port, 'web.test', '/api'))?.upstream, 'app');

    assert.deepEqual(
      await ctl.set('edge-nginx', { ...web, generation: 2 }),
      { generation: 3 },
      'stale: answers the generation held',
    );
    const rival = makeConfig({
      name: 'rival',
      uid: 'r',
      host: 'web.test',
      path: '/api',
      upstreams: [upstream.address],
    });
    await assert.rejects(
      ctl.set('edge-nginx', rival),
      /host web\.test path \/api is already served by default\/web/,
    );

    assert.deepEqual(
      await ctl.del('edge-nginx', { uid: 'uid-1', namespace: 'default', name: 'web' }),
      {},
    );
    assert.equal((await get(port, 'web.test', '/api')).status, 404);

    agent.proc.child.kill('SIGTERM');
    assert.equal(await agent.proc.exited, 0);
    await assert.rejects(get(port, 'web.test', '/api'), 'nginx stopped with the agent');
  } finally {
    await upstream.close();
  }
});

test('at the default proportions (2 s beat, 3 s TTL): live within one beat, gone at once on SIGTERM, exit 0', async () => {
  const slow = new TestController({
    redisUrl: testEnv().redisUrl,
    amqpUrl: testEnv().amqpUrl,
    ttlMs: 3000,
  });
  await slow.start();
  try {
    const agent = await AgentProcess.spawn(path.join(root, 'edge-d'), 'edge-d', {
      AMQP_URL: testEnv().amqpUrl,
      RPC_PREFIX: slow.rpcPrefix,
      AGENT_APPLIER: 'file',
      AGENT_STATE_DIR: path.join(root, 'edge-d', 'state'),
    });
    agents.push(agent);
    await agent.ready();
    await waitFor(async () => (await slow.live()).includes('edge-d'), {
      timeoutMs: 2000,
      what: 'edge-d live',
    });
    const termAt = Date.now();
    agent.proc.child.kill('SIGTERM');
    await waitFor(async () => !(await slow.live()).includes('edge-d'), {
      timeoutMs: 1000,
      what: 'edge-d gone',
    });
    assert.ok(Date.now() - termAt < 3000, 'removed by OfflineAgent, not by the TTL');
    assert.equal(await agent.proc.exited, 0);
  } finally {
    await slow.close();
  }
});
