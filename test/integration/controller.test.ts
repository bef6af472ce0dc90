// The controller end to end: local-kube, real Redis and RabbitMQ, controller and agent processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../src/devservices/index.ts';
import { agentState, metricSum, startE2E, type E2E } from '../support/system.ts';
import { simpleSpec } from '../support/kube.ts';

let e2e: E2E;
let ports: number[] = [];
const ready = (o: { status?: { conditions?: { type: string; status: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready')?.status;

async function sumOverControllers(name: string, match = ''): Promise<number> {
  let sum = 0;
  for (const [i, port] of ports.entries()) {
    if (!e2e.system.controllers[i]?.running) continue;
    sum += await metricSum(port, name, match);
  }
  return sum;
}

async function held(agent: string): Promise<Map<string, number>> {
  return agentState(e2e.system.agents.get(agent)?.stateDir ?? '');
}

describe('controller end to end', () => {
  before(async () => {
    e2e = await startE2E();
    const controllers = [await e2e.system.startController(), await e2e.system.startController()];
    ports = controllers.map((c) => c.httpPort);
    for (const name of ['a', 'b', 'c']) {
      await e2e.system.startAgent({ name, labels: { zone: name === 'c' ? 'core' : 'edge' } });
    }
    await waitFor(async () => (await sumOverControllers('wise2c_leader')) === 1, {
      timeoutMs: 20_000,
      what: 'one controller to lead',
    });
    await waitFor(async () => (await sumOverControllers('wise2c_live_agents')) >= 3, {
      timeoutMs: 20_000,
      what: 'three live agents',
    });
  });
  after(async () => e2e?.stop());

  test('create: every agent gets it, 3/3 and Ready', async () => {
    await e2e.wic.create('web', simpleSpec('web.example.com'));
    const obj = await e2e.wic.waitForStatus('web', '3/3', 'AllAgentsSynced');
    assert.equal(ready(obj), 'True');
    assert.deepEqual(obj.metadata.finalizers, ['ingress.wise2c.com/agents-cleanup']);
    for (const agent of ['a', 'b', 'c']) assert.equal((await held(agent)).get('default/web'), 1);
  });

  test('update: the new generation reaches every agent and observedGeneration follows', async () => {
    await e2e.wic.patch('web', { spec: simpleSpec('web.example.com', ['127.0.0.1:10']) });
    const obj = await e2e.wic.waitForStatus('web', '3/3', 'AllAgentsSynced');
    assert.equal(obj.metadata.generation, 2);
    assert.equal(obj.status?.observedGeneration, 2);
    for (const agent of ['a', 'b', 'c']) assert.equal((await held(agent)).get('default/web'), 2);
  });

  test('status and metadata writes cause no pushes', async () => {
    const before = await sumOverControllers('wise2c_rpc_calls_total', 'method="SetIngressConfig"');
    for (let i = 0; i < 3; i++)
      await e2e.wic.patch('web', { metadata: { labels: { touch: String(i) } } });
    // A barrier: once a later resource has converged, the controller has seen the label writes.
    await e2e.wic.create('barrier', simpleSpec('barrier.example.com'));
    await e2e.wic.waitForStatus('barrier', '3/3', 'AllAgentsSynced');
    const after = await sumOverControllers('wise2c_rpc_calls_total', 'method="SetIngressConfig"');
    assert.equal(after - before, 3, 'only the three pushes of the new resource');
  });

  test('agentSelector: only matching agents are targeted', async () => {
    await e2e.wic.create(
      'edge-only',
      simpleSpec('edge.example.com', undefined, {
        agentSelector: { matchLabels: { zone: 'edge' } },
      }),
    );
    const obj = await e2e.wic.waitForStatus('edge-only', '2/2', 'AllAgentsSynced');
    assert.deepEqual(
      obj.status?.agents?.map((a) => a.name),
      ['a', 'b'],
    );
    assert.equal((await held('c')).has('default/edge-only'), false);
  });

  test('an invalid spec the schema cannot catch: InvalidSpec and nothing pushed', async () => {
    const p = { path: '/', pathType: 'Prefix', backend: { upstreams: ['127.0.0.1:9'] } };
    await e2e.wic.create('dup', { rules: [{ host: 'dup.example.com', http: { paths: [p, p] } }] });
    const obj = await e2e.wic.waitFor(
      'dup',
      (o) => o.status?.conditions?.[0]?.reason === 'InvalidSpec',
      'InvalidSpec',
    );
    assert.match(obj.status?.conditions?.[0]?.message ?? '', /paths\[1\]/);
    for (const agent of ['a', 'b', 'c'])
      assert.equal((await held(agent)).has('default/dup'), false);
  });

  test('an agent started later receives every config that targets it', async () => {
    await e2e.system.startAgent({ name: 'd', labels: { zone: 'edge' } });
    await e2e.wic.waitForStatus('web', '4/4', 'AllAgentsSynced');
    await e2e.wic.waitForStatus('edge-only', '3/3', 'AllAgentsSynced');
    const d = await held('d');
    assert.equal(d.get('default/web'), 2);
    assert.equal(d.get('default/edge-only'), 1);
  });

  test('a killed agent drops out of status', async () => {
    const d = e2e.system.agents.get('d');
    d?.proc.signal('SIGKILL');
    await d?.proc.exited;
    const obj = await e2e.wic.waitForStatus('web', '3/3', 'AllAgentsSynced');
    assert.equal(
      obj.status?.agents?.some((a) => a.name === 'd'),
      false,
    );
  });

  test('a failing nginx agent: 3/4, AgentsFailed with its message, then converges by itself', async () => {
    const flag = path.join(e2e.system.options.dir, 'nginx-fail');
    const wrapper = path.join(e2e.system.options.dir, 'nginx-wrapper.sh');
    await writeFile(
      wrapper,
      `#!/bin/sh\nfor a in "$@"; do if [ "$a" = "-t" ] && [ -f ${flag} ]; then\n` +
        `echo "nginx: [emerg] injected failure for the test" >&2; exit 1; fi; done\nexec nginx "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    await e2e.system.startAgent({
      name: 'e',
      applier: 'nginx',
      labels: { zone: 'core' },
      env: { NGINX_BIN: wrapper },
    });
    await e2e.wic.waitForStatus('web', '4/4', 'AllAgentsSynced');
    await writeFile(flag, '');
    await e2e.wic.patch('web', { spec: simpleSpec('web.example.com', ['127.0.0.1:11']) });
    const failing = await e2e.wic.waitForStatus('web', '3/4', 'AgentsFailed');
    assert.equal(ready(failing), 'False');
    const e = failing.status?.agents?.find((a) => a.name === 'e');
    assert.equal(e?.state, 'Failed');
    assert.match(e?.message ?? '', /injected failure/);
    await rm(flag);
    const fixed = await e2e.wic.waitForStatus('web', '4/4', 'AllAgentsSynced');
    assert.equal(fixed.metadata.generation, 3);
  });

  test('delete: every agent removes it, then the object disappears', async () => {
    await e2e.wic.delete('web');
    await waitFor(async () => (await e2e.wic.get('web')) === undefined, {
      timeoutMs: 20_000,
      what: 'web to be gone',
    });
    for (const agent of ['a', 'b', 'c'])
      assert.equal((await held(agent)).has('default/web'), false);
  });

  test('killing the leader hands over to the standby', async () => {
    const leaderIndex = (
      await Promise.all(ports.map((p) => metricSum(p, 'wise2c_leader')))
    ).findIndex((v) => v === 1);
    assert.ok(leaderIndex >= 0);
    const leader = e2e.system.controllers[leaderIndex];
    leader?.signal('SIGKILL');
    await leader?.exited;
    await e2e.wic.create('after-failover', simpleSpec('failover.example.com'));
    await e2e.wic.waitForStatus('after-failover', '4/4', 'AllAgentsSynced');
    const standby = ports[1 - leaderIndex] as number;
    assert.equal(await metricSum(standby, 'wise2c_leader'), 1);
  });

  test('SIGTERM: the leader exits 0 and releases its Lease at once', async () => {
    const third = await e2e.system.startController();
    ports.push(third.httpPort);
    await waitFor(async () => (await metricSum(third.httpPort, 'wise2c_live_agents')) >= 4, {
      timeoutMs: 20_000,
      what: 'the new replica to see the agents',
    });
    const leaderIndex = (
      await Promise.all(
        ports.map((p, i) =>
          e2e.system.controllers[i]?.running ? metricSum(p, 'wise2c_leader') : Promise.resolve(0),
        ),
      )
    ).findIndex((v) => v === 1);
    const leader = e2e.system.controllers[leaderIndex];
    assert.ok(leader?.child.pid);
    const identity = `${os.hostname()}-${leader.child.pid}`;
    const leases = e2e.kc.makeApiClient(CoordinationV1Api);
    const lease = async () =>
      (
        await leases.readNamespacedLease({
          name: 'wise2c-ingress-controller',
          namespace: 'default',
        })
      ).spec;
    assert.equal((await lease())?.holderIdentity, identity);
    leader.signal('SIGTERM');
    assert.equal(await leader.exited, 0);
    // Without the release the dead leader would hold the Lease for LEASE_DURATION_MS more.
    assert.notEqual((await lease())?.holderIdentity, identity);
    await e2e.wic.create('after-sigterm', simpleSpec('sigterm.example.com'));
    await e2e.wic.waitForStatus('after-sigterm', '4/4', 'AllAgentsSynced');
  });
});
