import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AgentsFailedError, IngressReconciler } from '../../src/reconciler/reconcile.ts';
import { FINALIZER, type IngressObject } from '../../src/reconciler/types.ts';
import { FakeAgents, FakeClock, FakeEvents, FakeKube } from '../support/fakes.ts';

const log = pino({ level: 'silent' });
const spec = {
  rules: [
    {
      host: 'a.example.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { upstreams: ['10.0.0.1:80'] } }] },
    },
  ],
};

function resource(
  over: Partial<IngressObject['metadata']> = {},
  body: unknown = spec,
): IngressObject {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', generation: 1, ...over },
    spec: body,
  };
}

let kube: FakeKube;
let agents: FakeAgents;
let events: FakeEvents;
let reconciler: IngressReconciler;

function make(fanoutConcurrency = 64, statusAgentsMax = 100): IngressReconciler {
  return new IngressReconciler({
    cache: kube,
    writer: kube,
    events,
    pusher: agents,
    agents,
    clock: new FakeClock(),
    fanoutConcurrency,
    statusAgentsMax,
  });
}

beforeEach(() => {
  kube = new FakeKube();
  agents = new FakeAgents();
  events = new FakeEvents();
  agents.live = ['a', 'b', 'c'].map((name) => ({
    name,
    labels: { zone: name === 'c' ? 'core' : 'edge' },
  }));
  reconciler = make();
});

const status = () => kube.raw('default/web')?.status;
const ready = () => status()?.conditions?.find((c) => c.type === 'Ready');

describe('IngressReconciler', () => {
  test('create: adds the finalizer, pushes to every agent, 3/3 and Ready', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    assert.deepEqual(kube.get('default/web')?.metadata.finalizers, [FINALIZER]);
    assert.equal(status()?.syncedAgents, '3/3');
    assert.equal(ready()?.status, 'True');
    for (const a of ['a', 'b', 'c']) assert.equal(agents.applied.get(a)?.get('uid-1'), 1);
    assert.ok(
      events.events.some((e) => e.reason === 'Synced' && /generation 1 to 3\/3/.test(e.message)),
    );
  });

  test('a second pass with nothing new pushes nothing and writes no status', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const [sets, writes] = [agents.sets, kube.statusWrites];
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.sets, sets);
    assert.equal(kube.statusWrites, writes);
  });

  test('update: only the new generation is pushed and observedGeneration follows', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const current = kube.raw('default/web') as IngressObject;
    kube.put({ ...current, metadata: { ...current.metadata, generation: 2 } });
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.sets, 6);
    assert.equal(status()?.observedGeneration, 2);
    assert.equal(agents.applied.get('b')?.get('uid-1'), 2);
  });

  test('one agent failing: 2/3, AgentsFailed with its message, retried until it converges', async () => {
    kube.put(resource());
    agents.failing.set('b', 'nginx: [emerg] host not found in upstream');
    await assert.rejects(reconciler.reconcile('default/web', log), AgentsFailedError);
    assert.equal(status()?.syncedAgents, '2/3');
    assert.equal(ready()?.reason, 'AgentsFailed');
    assert.match(status()?.agents?.find((a) => a.name === 'b')?.message ?? '', /host not found/);
    assert.ok(
      events.events.some(
        (e) => e.type === 'Warning' && e.reason === 'SyncFailed' && /Agent b/.test(e.message),
      ),
    );
    agents.failing.clear();
    const before = agents.sets;
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.sets - before, 1, 'only the failed agent is pushed again');
    assert.equal(status()?.syncedAgents, '3/3');
    assert.equal(ready()?.reason, 'AllAgentsSynced');
  });

  test('agentSelector limits the push to matching agents', async () => {
    kube.put(resource({}, { ...spec, agentSelector: { matchLabels: { zone: 'edge' } } }));
    await reconciler.reconcile('default/web', log);
    assert.equal(status()?.syncedAgents, '2/2');
    assert.equal(agents.applied.get('c'), undefined);
  });

  test('an invalid spec the schema cannot catch: InvalidSpec, nothing pushed, no retry', async () => {
    const path = { path: '/', pathType: 'Prefix', backend: { upstreams: ['10.0.0.1:80'] } };
    const dup = { rules: [{ host: 'a.example.com', http: { paths: [path, path] } }] };
    kube.put(resource({}, dup));
    const result = await reconciler.reconcile('default/web', log);
    assert.deepEqual(result, {});
    assert.equal(agents.sets, 0);
    assert.equal(ready()?.reason, 'InvalidSpec');
    assert.match(ready()?.message ?? '', /spec\.rules\[0\]\.http\.paths\[1\]/);
  });

  test('the fan-out never runs more calls at once than its bound', async () => {
    agents.live = Array.from({ length: 50 }, (_, i) => ({ name: `agent-${i}`, labels: {} }));
    reconciler = make(7);
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.sets, 50);
    assert.ok(agents.maxRunning <= 7, `maxRunning ${agents.maxRunning}`);
    assert.equal(agents.maxRunning, 7, 'the bound is used, not just respected');
  });

  test('delete: every holder gets DelIngressConfig, then the finalizer goes and the object with it', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const current = kube.raw('default/web') as IngressObject;
    kube.put({
      ...current,
      metadata: { ...current.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.dels, 3);
    for (const a of ['a', 'b', 'c']) assert.equal(agents.applied.get(a)?.has('uid-1'), false);
    assert.equal(kube.get('default/web'), undefined);
  });

  test('delete with a failing agent keeps the finalizer; once the agent is gone it no longer blocks', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const current = kube.raw('default/web') as IngressObject;
    kube.put({
      ...current,
      metadata: { ...current.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    agents.failing.set('c', 'UNROUTABLE');
    await assert.rejects(reconciler.reconcile('default/web', log), AgentsFailedError);
    assert.deepEqual(kube.get('default/web')?.metadata.finalizers, [FINALIZER]);
    assert.equal(ready()?.reason, 'Deleting');
    agents.live = agents.live.filter((a) => a.name !== 'c');
    await reconciler.reconcile('default/web', log);
    assert.equal(kube.get('default/web'), undefined);
  });

  test('a departed agent drops out of status', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    agents.live = agents.live.filter((a) => a.name !== 'a');
    reconciler.forgetAgent('a');
    await reconciler.reconcile('default/web', log);
    assert.equal(status()?.syncedAgents, '2/2');
    assert.deepEqual(
      status()?.agents?.map((a) => a.name),
      ['b', 'c'],
    );
  });

  test('no live agents: NoAgentsOnline; an agent that joins later gets the config', async () => {
    agents.live = [];
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    assert.equal(ready()?.reason, 'NoAgentsOnline');
    agents.live = [{ name: 'late', labels: {} }];
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.applied.get('late')?.get('uid-1'), 1);
    assert.equal(status()?.syncedAgents, '1/1');
  });

  test('an agent whose labels stop matching loses the config', async () => {
    kube.put(resource({}, { ...spec, agentSelector: { matchLabels: { zone: 'edge' } } }));
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.applied.get('a')?.get('uid-1'), 1);
    agents.live = agents.live.map((a) =>
      a.name === 'a' ? { name: 'a', labels: { zone: 'core' } } : a,
    );
    await reconciler.reconcile('default/web', log);
    assert.equal(agents.applied.get('a')?.has('uid-1'), false);
    assert.equal(status()?.syncedAgents, '1/1');
  });

  test('a vanished object is a no-op', async () => {
    assert.deepEqual(await reconciler.reconcile('default/missing', log), {});
  });

  test('a new leader, seeded from the cached status, pushes to nobody synced and writes nothing', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const [sets, writes] = [agents.sets, kube.statusWrites];
    const successor = make();
    await successor.reconcile('default/web', log);
    assert.equal(agents.sets, sets);
    assert.equal(kube.statusWrites, writes);
    agents.live.push({ name: 'd', labels: {} });
    await successor.reconcile('default/web', log);
    assert.equal(agents.sets, sets + 1, 'only the new agent is pushed');
    assert.equal(status()?.syncedAgents, '4/4');
  });

  test('one pass stamps all its agents with one time', async () => {
    kube.put(resource());
    await reconciler.reconcile('default/web', log);
    const times = new Set(status()?.agents?.flatMap((a) => [a.lastAttemptTime, a.lastSyncTime]));
    assert.equal(times.size, 1);
  });
});
