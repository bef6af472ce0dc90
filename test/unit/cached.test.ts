import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statusAgents, toCached } from '../../src/reconciler/cached.ts';
import { statusEqual } from '../../src/reconciler/equal.ts';
import { KnownAgents } from '../../src/reconciler/known.ts';
import { PackedAgents } from '../../src/reconciler/packed.ts';
import type { AgentStatus, IngressObject, IngressStatus } from '../../src/reconciler/types.ts';

const t0 = '2026-01-01T00:00:00.000Z';
const t1 = '2026-01-01T00:01:00.000Z';
const synced = (name: string): AgentStatus => ({
  name,
  state: 'Synced',
  generation: 2,
  lastAttemptTime: t1,
  lastSyncTime: t1,
});
const failed = (name: string): AgentStatus => ({
  name,
  state: 'Failed',
  generation: 2,
  message: 'UNROUTABLE: no queue',
  lastAttemptTime: t1,
  lastSyncTime: t0,
});
const agents = [synced('a'), failed('b'), synced('c'), { name: 'd', state: 'Pending' } as const];

function status(list: AgentStatus[] = agents): IngressStatus {
  return {
    observedGeneration: 2,
    syncedAgents: '2/4',
    summary: { targeted: 4, synced: 2, failed: 1, pending: 1 },
    agents: list,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 2,
        lastTransitionTime: t0,
        reason: 'AgentsFailed',
        message: '1 of 4 agents failed: b: UNROUTABLE: no queue.',
      },
    ],
  };
}

describe('PackedAgents', () => {
  test('gives back every entry as it was, in order, and looks names up', () => {
    const packed = PackedAgents.pack(agents);
    assert.deepEqual([...packed.entries()], agents);
    assert.deepEqual(packed.toJSON(), agents);
    assert.equal(packed.size, 4);
    assert.deepEqual(packed.get('b'), failed('b'));
    assert.equal(packed.get('z'), undefined);
    assert.equal(packed.has('d'), true);
    assert.deepEqual([...packed.toMap().keys()], ['a', 'b', 'c', 'd']);
  });

  test('a later entry of one name replaces the earlier, as in a Map', () => {
    const packed = PackedAgents.pack([failed('a'), synced('b'), synced('a')]);
    assert.deepEqual(packed.toJSON(), [synced('a'), synced('b')]);
  });

  test('entries handed out are copies: changing one changes nothing packed', () => {
    const packed = PackedAgents.pack(agents);
    const a = packed.get('a')!;
    a.state = 'Failed';
    assert.equal(packed.get('a')?.state, 'Synced');
  });

  test('equals compares every field, in order', () => {
    const packed = PackedAgents.pack(agents);
    assert.equal(packed.equals(agents.map((a) => ({ ...a }))), true);
    assert.equal(packed.equals([...agents].reverse()), false);
    assert.equal(packed.equals(agents.slice(1)), false);
    assert.equal(
      packed.equals([synced('a'), { ...failed('b'), message: 'x' }, ...agents.slice(2)]),
      false,
    );
    assert.equal(packed.equals([{ ...synced('a'), lastSyncTime: t0 }, ...agents.slice(1)]), false);
    assert.equal(PackedAgents.pack([]).equals([]), true);
  });

  test('more distinct outcomes than a byte can index still pack exactly', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...failed(`n${i}`), message: `m${i}` }));
    assert.deepEqual(PackedAgents.pack(many).toJSON(), many);
  });
});

describe('toCached', () => {
  const raw: IngressObject = {
    apiVersion: 'ingress.wise2c.com/v1',
    kind: 'Wise2cIngressConfig',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'uid-1',
      generation: 2,
      resourceVersion: '7',
      finalizers: ['ingress.wise2c.com/agents-cleanup'],
      ...{ managedFields: [{ manager: 'kubectl' }], annotations: { big: 'x'.repeat(1000) } },
    },
    spec: { rules: [] },
    status: status(),
  };

  test('keeps what the controller reads, drops the rest, packs status.agents', () => {
    const cached = toCached(raw);
    assert.deepEqual(cached.metadata, {
      name: 'web',
      namespace: 'default',
      uid: 'uid-1',
      generation: 2,
      resourceVersion: '7',
      finalizers: ['ingress.wise2c.com/agents-cleanup'],
    });
    assert.equal(cached.spec, raw.spec);
    assert.equal(cached.apiVersion, raw.apiVersion);
    assert.equal(cached.status?.agents, undefined);
    assert.deepEqual(statusAgents(cached.status)?.toJSON(), agents);
    assert.deepEqual(cached.status?.conditions, raw.status?.conditions);
    assert.equal(cached.status?.syncedAgents, '2/4');
  });

  test('an object without status stays without', () => {
    const cached = toCached({ ...raw, status: undefined });
    assert.equal(cached.status, undefined);
    assert.equal(statusAgents(cached.status), undefined);
  });

  test('statusEqual: the cached status equals the status it came from, and nothing else', () => {
    const cached = toCached(raw).status;
    assert.equal(statusEqual(cached, status()), true);
    assert.equal(statusEqual(cached, structuredClone(status())), true);
    assert.equal(statusEqual(cached, status([...agents.slice(0, 3)])), false);
    assert.equal(statusEqual(cached, { ...status(), syncedAgents: '3/4' }), false);
    const moved = status();
    moved.conditions![0]!.lastTransitionTime = t1;
    assert.equal(statusEqual(cached, moved), false);
    assert.equal(statusEqual(undefined, status()), false);
    assert.equal(statusEqual(undefined, {}), true);
    const { agents: _dropped, ...noAgents } = status();
    assert.equal(statusEqual(toCached({ ...raw, status: noAgents }).status, status([])), false);
    assert.equal(statusEqual(status(), status()), true, 'an uncached status compares too');
  });
});

describe('KnownAgents', () => {
  const obj = toCached({
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    status: status(),
  });

  test('a first pass is seeded from the cached status (a new leader pushes no synced agent)', () => {
    const known = new KnownAgents();
    const map = known.open('default/web', obj);
    assert.deepEqual([...map.values()], agents);
  });

  test('what a pass learns is kept after close, and is dropped for a new uid', () => {
    const known = new KnownAgents();
    known.open('default/web', obj).set('d', synced('d'));
    known.close('default/web');
    assert.deepEqual(known.open('default/web', obj).get('d'), synced('d'));
    known.close('default/web');
    const recreated = { ...obj, metadata: { ...obj.metadata, uid: 'uid-2' }, status: undefined };
    assert.equal(known.open('default/web', recreated).size, 0);
  });

  test('forgetAgent reaches packed and open passes; delete wins over a later close', () => {
    const known = new KnownAgents();
    known.open('default/a', obj);
    known.close('default/a');
    const open = known.open('default/b', obj);
    known.forgetAgent('a');
    assert.equal(open.has('a'), false);
    known.close('default/b');
    assert.equal(known.open('default/a', obj).has('a'), false);
    known.delete('default/a');
    known.close('default/a');
    assert.equal(known.open('default/a', { ...obj, status: undefined }).size, 0);
  });
});
