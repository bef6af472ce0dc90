import type { AgentStatus, Condition, IngressStatus, StatusSummary } from './types.ts';

/** Why a resource is not simply a matter of agents: the spec is invalid, or it is being deleted. */
export type Override = { reason: 'InvalidSpec' | 'Deleting'; message: string };

/** Everything the status of one resource is built from. */
export interface StatusInput {
  generation: number;
  /** The live agents the resource targets, by name. */
  targeted: readonly string[];
  /** What is known of each agent (results of this pass merged with earlier ones); others are ignored. */
  agents: ReadonlyMap<string, AgentStatus>;
  /** The current status; only its conditions are read. */
  previous: Pick<IngressStatus, 'conditions'> | undefined;
  now: Date;
  maxAgents: number;
  override?: Override;
}

/** An agent entry counts as synced only at (or past) the resource's current generation. */
export function isSynced(agent: AgentStatus | undefined, generation: number): boolean {
  return agent?.state === 'Synced' && (agent.generation ?? 0) >= generation;
}

/** The complete status for a resource: exact summary, capped agent list, Ready condition. */
export function buildStatus(input: StatusInput): IngressStatus {
  const { generation, targeted, now } = input;
  const entries = targeted.map(
    (name): AgentStatus => input.agents.get(name) ?? { name, state: 'Pending', generation },
  );
  const summary: StatusSummary = { targeted: entries.length, synced: 0, failed: 0, pending: 0 };
  const current = entries.map((entry): AgentStatus => {
    if (isSynced(entry, generation)) {
      summary.synced++;
      return entry;
    }
    if (entry.state === 'Failed') {
      summary.failed++;
      return entry;
    }
    summary.pending++;
    return { ...entry, state: 'Pending' };
  });
  const ready = readyCondition(input, summary, current);
  return {
    observedGeneration: generation,
    syncedAgents: `${summary.synced}/${summary.targeted}`,
    summary,
    agents: capAgents(current, input.maxAgents),
    conditions: mergeConditions(input.previous?.conditions, ready, now, generation),
  };
}

/** At most `max` entries, failed ones kept first, the result sorted by name. */
export function capAgents(agents: readonly AgentStatus[], max: number): AgentStatus[] {
  const byName = (a: AgentStatus, b: AgentStatus) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  if (agents.length <= max) return [...agents].sort(byName);
  const failed = agents.filter((a) => a.state === 'Failed').sort(byName);
  const rest = agents.filter((a) => a.state !== 'Failed').sort(byName);
  return [...failed, ...rest].slice(0, max).sort(byName);
}

type ReadyParts = Pick<Condition, 'status' | 'reason' | 'message'>;

function readyCondition(input: StatusInput, s: StatusSummary, agents: AgentStatus[]): ReadyParts {
  if (input.override) return { status: 'False', ...input.override };
  if (s.targeted === 0) {
    return {
      status: 'False',
      reason: 'NoAgentsOnline',
      message: 'No live agent matches the agent selector.',
    };
  }
  if (s.failed > 0) {
    const failed = agents.filter((a) => a.state === 'Failed');
    const named = failed
      .slice(0, 3)
      .map((a) => `${a.name}: ${a.message ?? 'failed'}`)
      .join('; ');
    const more = failed.length > 3 ? ` (and ${failed.length - 3} more)` : '';
    return {
      status: 'False',
      reason: 'AgentsFailed',
      message: `${s.failed} of ${s.targeted} agents failed: ${named}${more}.`,
    };
  }
  if (s.pending > 0) {
    return {
      status: 'False',
      reason: 'AgentsPending',
      message: `${s.pending} of ${s.targeted} agents have not acknowledged generation ${input.generation} yet.`,
    };
  }
  return {
    status: 'True',
    reason: 'AllAgentsSynced',
    message: `All ${s.targeted} targeted agents run generation ${input.generation}.`,
  };
}

/** Replaces the Ready condition, keeping its lastTransitionTime unless its status changes. */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  ready: ReadyParts,
  now: Date,
  observedGeneration: number,
): Condition[] {
  const others = (previous ?? []).filter((c) => c.type !== 'Ready');
  const before = previous?.find((c) => c.type === 'Ready');
  const lastTransitionTime =
    before && before.status === ready.status ? before.lastTransitionTime : now.toISOString();
  return [...others, { type: 'Ready', ...ready, observedGeneration, lastTransitionTime }];
}
