import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatus, capAgents, type StatusInput } from '../../src/reconciler/status.ts';
import type { AgentStatus } from '../../src/reconciler/types.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

function input(agents: AgentStatus[], over: Partial<StatusInput> = {}): StatusInput {
  return {
    generation: 2,
    targeted: agents.map((a) => a.name),
    agents: new Map(agents.map((a) => [a.name, a])),
    previous: undefined,
    now: t0,
    maxAgents: 100,
    ...over,
  };
}

const synced = (name: string, generation = 2): AgentStatus => ({
  name,
  state: 'Synced',
  generation,
});
const failed = (name: string, message = 'nginx -t failed'): AgentStatus => ({
  name,
  state: 'Failed',
  generation: 2,
  message,
});

describe('buildStatus', () => {
  test('all agents synced at the current generation: 3/3, Ready True', () => {
    const s = buildStatus(input([synced('c'), synced('a'), synced('b')]));
    assert.equal(s.syncedAgents, '3/3');
    assert.deepEqual(s.summary, { targeted: 3, synced: 3, failed: 0, pending: 0 });
    assert.deepEqual(
      s.agents?.map((a) => a.name),
      ['a', 'b', 'c'],
    );
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'AllAgentsSynced');
    assert.equal(ready?.observedGeneration, 2);
    assert.equal(s.observedGeneration, 2);
  });

  test('one failed agent: 2/3, AgentsFailed naming the agent and its error', () => {
    const s = buildStatus(
      input([synced('a'), synced('b'), failed('c', 'host not found in upstream')]),
    );
    assert.equal(s.syncedAgents, '2/3');
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'AgentsFailed');
    assert.match(ready?.message ?? '', /c: host not found in upstream/);
  });

  test('an agent synced at an older generation counts as pending, not synced', () => {
    const s = buildStatus(input([synced('a'), synced('b', 1)]));
    assert.deepEqual(s.summary, { targeted: 2, synced: 1, failed: 0, pending: 1 });
    assert.equal(s.conditions?.[0]?.reason, 'AgentsPending');
    assert.equal(s.agents?.find((a) => a.name === 'b')?.state, 'Pending');
  });

  test('a targeted agent with no result is pending; an untargeted one is dropped', () => {
    const s = buildStatus({ ...input([synced('a'), synced('gone')]), targeted: ['a', 'new'] });
    assert.deepEqual(
      s.agents?.map((a) => `${a.name}:${a.state}`),
      ['a:Synced', 'new:Pending'],
    );
  });

  test('no targeted agents: NoAgentsOnline', () => {
    const s = buildStatus(input([]));
    assert.equal(s.syncedAgents, '0/0');
    assert.equal(s.conditions?.[0]?.reason, 'NoAgentsOnline');
    assert.equal(s.conditions?.[0]?.status, 'False');
  });

  test('an override (InvalidSpec) wins over agent results', () => {
    const s = buildStatus(
      input([synced('a')], { override: { reason: 'InvalidSpec', message: 'bad' } }),
    );
    assert.equal(s.conditions?.[0]?.reason, 'InvalidSpec');
    assert.equal(s.conditions?.[0]?.message, 'bad');
  });

  test('lastTransitionTime is kept while the status stays, and moves when it flips', () => {
    const first = buildStatus(input([failed('a')]));
    const stillFailing = buildStatus(
      input([failed('a', 'other error')], { previous: first, now: t1 }),
    );
    assert.equal(stillFailing.conditions?.[0]?.lastTransitionTime, t0.toISOString());
    assert.match(stillFailing.conditions?.[0]?.message ?? '', /other error/);
    const fixed = buildStatus(input([synced('a')], { previous: stillFailing, now: t1 }));
    assert.equal(fixed.conditions?.[0]?.lastTransitionTime, t1.toISOString());
  });

  test('other condition types are preserved', () => {
    const previous = {
      conditions: [
        {
          type: 'Custom',
          status: 'True' as const,
          lastTransitionTime: 'x',
          reason: 'R',
          message: 'm',
        },
      ],
    };
    const s = buildStatus(input([synced('a')], { previous }));
    assert.deepEqual(
      s.conditions?.map((c) => c.type),
      ['Custom', 'Ready'],
    );
  });

  test('thousands of agents: the list is capped, failed kept first, the summary exact', () => {
    const agents = Array.from({ length: 5000 }, (_, i) =>
      i % 1000 === 7
        ? failed(`agent-${String(i).padStart(4, '0')}`)
        : synced(`agent-${String(i).padStart(4, '0')}`),
    );
    const s = buildStatus(input(agents, { maxAgents: 100 }));
    assert.deepEqual(s.summary, { targeted: 5000, synced: 4995, failed: 5, pending: 0 });
    assert.equal(s.agents?.length, 100);
    assert.equal(s.agents?.filter((a) => a.state === 'Failed').length, 5);
    const names = s.agents?.map((a) => a.name) ?? [];
    assert.deepEqual(names, [...names].sort());
  });
});

test('capAgents keeps failed entries even when they sort last', () => {
  const list = [synced('a'), synced('b'), failed('z')];
  assert.deepEqual(
    capAgents(list, 2).map((a) => a.name),
    ['a', 'z'],
  );
});
