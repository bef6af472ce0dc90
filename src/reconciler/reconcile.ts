import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { formatIssues, ingressSpecSchema, type IngressSpec } from '../spec/index.ts';
import type {
  AgentPusher,
  Clock,
  EventRecorder,
  IngressCache,
  IngressWriter,
  LiveAgents,
} from './ports.ts';
import { buildStatus, isSynced, type Override } from './status.ts';
import { targetedAgents } from './targets.ts';
import { FINALIZER, splitKey, type AgentStatus, type IngressStatus } from './types.ts';
import type { CachedIngress } from './cached.ts';
import { KnownAgents } from './known.ts';
import { statusEqual } from './equal.ts';
import { pushConfig, removeConfig } from './fanout.ts';
import { unservableName } from './configs.ts';

/** What a reconcile asks of the queue: nothing, or to come back after a delay. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A failure that a retry cannot fix; the worker logs it and does not requeue. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

/** Thrown when some agents failed, so the queue retries the key with back-off. */
export class AgentsFailedError extends Error {
  override name = 'AgentsFailedError';
}

export interface ReconcilerDeps {
  cache: IngressCache;
  writer: IngressWriter;
  events: EventRecorder;
  pusher: AgentPusher;
  agents: LiveAgents;
  clock: Clock;
  fanoutConcurrency: number;
  statusAgentsMax: number;
}

/**
 * Level-based reconcile of one Wise2cIngressConfig: reads the object and the live agents, pushes
 * what is missing, writes status. Never asks whether the event was an add, an update or a delete.
 */
export class IngressReconciler {
  readonly #deps: ReconcilerDeps;
  /** What each agent acknowledged, per resource uid: fresher than the cached status after a write. */
  readonly #known = new KnownAgents();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** Reconciles `namespace/name`; throws to be retried with back-off. */
  async reconcile(key: string, log: Logger): Promise<ReconcileResult> {
    try {
      return await this.#reconcile(key, log);
    } finally {
      this.#known.close(key);
    }
  }

  async #reconcile(key: string, log: Logger): Promise<ReconcileResult> {
    const obj = this.#deps.cache.get(key);
    if (!obj) {
      this.#known.delete(key);
      return {};
    }
    if (obj.metadata.deletionTimestamp) return this.#finalize(key, obj, log);
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) {
      await this.#deps.writer.setFinalizers(obj, [...finalizers, FINALIZER]);
      log.debug('finalizer added');
    }
    const parsed = ingressSpecSchema.safeParse(obj.spec);
    const known = this.#knownFor(key, obj);
    const badName = unservableName(obj);
    if (!parsed.success || badName) {
      const message = parsed.success
        ? `The resource cannot be served: ${badName}.`
        : `The spec is invalid: ${formatIssues(parsed.error, 'spec')}.`;
      await this.#writeStatus(obj, [], known, { reason: 'InvalidSpec', message });
      log.info({ reason: message }, 'invalid spec, nothing pushed');
      return {};
    }
    return this.#sync(key, obj, parsed.data, known, log);
  }

  /** Drops what is known of agents that left, so a returning agent is pushed again. */
  forgetAgent(agent: string): void {
    this.#known.forgetAgent(agent);
  }

  async #sync(
    key: string,
    obj: CachedIngress,
    spec: IngressSpec,
    known: Map<string, AgentStatus>,
    log: Logger,
  ): Promise<ReconcileResult> {
    const generation = obj.metadata.generation ?? 1;
    const live = this.#deps.agents.list();
    const targeted = targetedAgents(spec.agentSelector, live);
    const todo = targeted.filter((name) => !isSynced(known.get(name), generation));
    // Live agents that hold it but are no longer targeted (their labels or the selector changed).
    const targetedSet = new Set(targeted);
    const untargeted = live
      .filter((a) => known.has(a.name) && !targetedSet.has(a.name))
      .map((a) => a.name);
    const { namespace, name } = splitKey(key);
    const config = { uid: obj.metadata.uid, namespace, name, generation, spec };
    const ctx = { ...this.#deps, limit: pLimit(this.#deps.fanoutConcurrency), known };
    const [pushed, unremoved] = await Promise.all([
      pushConfig(todo, config, ctx),
      removeConfig(untargeted, { uid: obj.metadata.uid, namespace, name }, ctx),
    ]);
    const failed = [...pushed.filter((r) => r.state === 'Failed'), ...unremoved];
    const status = await this.#writeStatus(obj, targeted, known);
    if (failed.length > 0) {
      for (const f of failed.slice(0, 5)) {
        this.#deps.events.record(
          obj,
          'Warning',
          'SyncFailed',
          `Agent ${f.name}: ${f.message ?? 'failed'}`,
        );
      }
      log.info(
        { failed: failed.length, pushed: todo.length, synced: status.syncedAgents },
        'push failed on some agents',
      );
      throw new AgentsFailedError(
        `${failed.length} of ${todo.length + untargeted.length} calls failed`,
      );
    }
    if (todo.length > 0) {
      const message = `Pushed generation ${generation} to ${status.syncedAgents} agents`;
      this.#deps.events.record(obj, 'Normal', 'Synced', message);
      log.info({ pushed: todo.length, synced: status.syncedAgents, generation }, 'pushed');
    }
    return {};
  }

  async #finalize(key: string, obj: CachedIngress, log: Logger): Promise<ReconcileResult> {
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return {};
    const parsed = ingressSpecSchema.safeParse(obj.spec);
    const live = this.#deps.agents.list();
    const known = this.#knownFor(key, obj);
    // Everyone the selector targets, plus anyone who acknowledged an earlier generation; nobody
    // when the name could never be sent (nobody holds it, and a removal would be refused).
    const servable = unservableName(obj) === undefined;
    const holders = new Set(
      servable ? targetedAgents(parsed.success ? parsed.data.agentSelector : undefined, live) : [],
    );
    for (const agent of live) if (servable && known.has(agent.name)) holders.add(agent.name);
    const { namespace, name } = splitKey(key);
    const ref = { uid: obj.metadata.uid, namespace, name };
    const limit = pLimit(this.#deps.fanoutConcurrency);
    const failures = (await removeConfig([...holders], ref, { ...this.#deps, limit, known })).map(
      (f) => `${f.name}: ${f.message}`,
    );
    if (failures.length > 0) {
      const message = `Waiting for ${failures.length} agents to remove it: ${failures.slice(0, 3).join('; ')}.`;
      await this.#writeStatus(obj, [...holders].sort(), known, { reason: 'Deleting', message });
      throw new AgentsFailedError(message);
    }
    await this.#deps.writer.setFinalizers(
      obj,
      finalizers.filter((f) => f !== FINALIZER),
    );
    this.#known.delete(key);
    log.info({ agents: holders.size }, 'removed from every agent, finalizer released');
    return {};
  }

  #knownFor(key: string, obj: CachedIngress): Map<string, AgentStatus> {
    return this.#known.open(key, obj);
  }

  async #writeStatus(
    obj: CachedIngress,
    targeted: readonly string[],
    known: Map<string, AgentStatus>,
    override?: Override,
  ): Promise<IngressStatus> {
    const status = buildStatus({
      generation: obj.metadata.generation ?? 1,
      targeted,
      agents: known,
      previous: obj.status,
      now: this.#deps.clock.now(),
      maxAgents: this.#deps.statusAgentsMax,
      ...(override ? { override } : {}),
    });
    if (!statusEqual(obj.status, status)) await this.#deps.writer.patchStatus(obj, status);
    return status;
  }
}
