// An agent keeps heartbeating, and serving its queue, across a broker crash and restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { RabbitServer, waitFor } from '../../src/devservices/index.ts';
import { makeConfig } from '../support/agent-configs.ts';
import { AgentProcess, TestController } from '../support/agent-harness.ts';
import { testEnv } from '../support/env.ts';

let root: string;
let rabbit: RabbitServer;
let ctl: TestController;
let agent: AgentProcess | undefined;

before(async () => {
  root = await mkdtemp(path.join(testEnv().root, 'agent-reconnect-'));
  rabbit = await RabbitServer.start(path.join(root, 'rabbitmq')); // its own broker: this test kills it
  ctl = await new TestController({
    redisUrl: testEnv().redisUrl,
    amqpUrl: rabbit.url,
    ttlMs: 600,
  }).start();
});

after(async () => {
  await agent?.proc.stop();
  await ctl.close();
  await rabbit.close();
});

test('after the broker is killed and restarted the agent is live again and serves Set, without a restart', async () => {
  agent = await AgentProcess.spawn(path.join(root, 'edge'), 'edge-rc', {
    AMQP_URL: rabbit.url,
    RPC_PREFIX: ctl.rpcPrefix,
    AGENT_APPLIER: 'file',
    AGENT_STATE_DIR: path.join(root, 'edge', 'state'),
    HEARTBEAT_INTERVAL_MS: 200,
  });
  await agent.ready();
  await waitFor(async () => (await ctl.live()).includes('edge-rc'), {
    timeoutMs: 2000,
    what: 'live',
  });

  await rabbit.kill();
  await waitFor(async () => !(await ctl.live()).includes('edge-rc'), {
    timeoutMs: 2000,
    what: 'gone while the broker is down',
  });
  assert.ok(agent.proc.running, 'a failed heartbeat never crashes the agent');

  await rabbit.start();
  await waitFor(async () => (await ctl.live()).includes('edge-rc'), {
    timeoutMs: 20_000,
    what: 'live again',
  });
  const result = await waitFor(() => ctl.set('edge-rc', makeConfig({ generation: 4 })), {
    timeoutMs: 10_000,
    what: 'Set served',
  });
  assert.deepEqual(result, { generation: 4 });
  assert.ok((await agent.logs()).some((l) => l.msg === 'heartbeat failed'));
});
