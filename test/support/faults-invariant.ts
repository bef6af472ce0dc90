// The one invariant every fault scenario ends on: for every resource, its status agrees with what
// each live targeted agent has actually applied (its state files, and nginx's files for the nginx
// applier); no agent holds an older generation than one it acknowledged; nothing is left
// half-deleted; no process crashed.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../../src/devservices/index.ts';
import type { AgentHandle } from '../../src/demo/system.ts';
import { unservableName } from '../../src/reconciler/configs.ts';
import { selectorMatches } from '../../src/reconciler/targets.ts';
import type { IngressObject } from '../../src/reconciler/types.ts';
import { ingressSpecSchema } from '../../src/spec/index.ts';

/** One config an agent holds, as its files say. */
export interface Held {
  uid: string;
  generation: number;
}

/** What the checker needs to see of the system. */
export interface InvariantWorld {
  kc: KubeConfig;
  /** Agents that should be live now (running, reachable), by name. */
  liveAgents(): AgentHandle[];
  /** Every process ever started, with whether the test killed it on purpose. */
  processes(): {
    name: string;
    running: boolean;
    exitCode: number | null | undefined;
    killed: boolean;
  }[];
  /** STATUS_AGENTS_MAX of the controller (default 100). */
  statusAgentsMax?: number;
}

const ref = { group: 'ingress.wise2c.com', version: 'v1', plural: 'wise2cingressconfigs' };

/** Every Wise2cIngressConfig in every namespace. */
export async function listIngresses(kc: KubeConfig): Promise<IngressObject[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = (await api.listClusterCustomObject(ref)) as { items: IngressObject[] };
  return list.items;
}

/**
 * What an agent holds, `namespace/name` → {uid, generation}: its state files, and for the nginx
 * applier also the rendered `configs/` files, which must say the same generation.
 */
export async function heldBy(agent: AgentHandle): Promise<Map<string, Held>> {
  const nginx = agent.spec.applier === 'nginx';
  const stateDir = nginx ? path.join(agent.nginxDir, 'state') : agent.stateDir;
  const held = new Map<string, Held>();
  for (const file of await readdir(stateDir).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    const text = await readFile(path.join(stateDir, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // removed between readdir and read
    const c = JSON.parse(text) as {
      uid: string;
      namespace: string;
      name: string;
      generation: number;
    };
    held.set(`${c.namespace}/${c.name}`, { uid: c.uid, generation: c.generation });
  }
  if (nginx) {
    const configs = path.join(agent.nginxDir, 'configs');
    const rendered = new Map<string, string>();
    for (const file of await readdir(configs).catch(() => [] as string[])) {
      const text = await readFile(path.join(configs, file), 'utf8').catch(() => '');
      const m = /^# (\S+) uid (\S+) generation (\d+)$/m.exec(text);
      if (m) rendered.set(m[1] as string, `${m[2]}@${m[3]}`);
    }
    for (const [key, h] of held) {
      if (rendered.get(key) !== `${h.uid}@${h.generation}`)
        held.set(key, {
          uid: `${h.uid} (nginx has ${rendered.get(key) ?? 'nothing'})`,
          generation: -1,
        });
    }
    for (const key of rendered.keys())
      if (!held.has(key)) held.set(key, { uid: 'nginx-only', generation: -1 });
  }
  return held;
}

/** Every way the world disagrees with the invariant right now (empty when it holds). */
export async function violations(world: InvariantWorld): Promise<string[]> {
  const out: string[] = [];
  for (const p of world.processes()) {
    if (!p.running && !p.killed) out.push(`${p.name} exited with code ${String(p.exitCode)}`);
  }
  const objects = await listIngresses(world.kc);
  const agents = world.liveAgents();
  const held = new Map<string, Map<string, Held>>();
  for (const agent of agents) held.set(agent.spec.name, await heldBy(agent));
  const byKey = new Map(objects.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const max = world.statusAgentsMax ?? 100;
  for (const [key, obj] of byKey) {
    const generation = obj.metadata.generation ?? 1;
    const status = obj.status;
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    if (obj.metadata.deletionTimestamp) {
      out.push(`${key}: still deleting (${ready?.reason}: ${ready?.message})`);
      continue;
    }
    const spec = ingressSpecSchema.safeParse(obj.spec);
    const parsed = unservableName(obj) ? { success: false as const } : spec;
    const targeted = parsed.success
      ? agents.filter((a) => selectorMatches(parsed.data.agentSelector, a.spec.labels ?? {}))
      : [];
    const targetedNames = new Set(targeted.map((a) => a.spec.name));
    const expectReason = !parsed.success
      ? 'InvalidSpec'
      : targeted.length === 0
        ? 'NoAgentsOnline'
        : 'AllAgentsSynced';
    if (status?.observedGeneration !== generation)
      out.push(
        `${key}: observedGeneration ${status?.observedGeneration} != generation ${generation}`,
      );
    if (ready?.reason !== expectReason)
      out.push(
        `${key}: Ready reason ${ready?.reason} (${ready?.message}), expected ${expectReason}`,
      );
    if (parsed.success) {
      const n = targeted.length;
      const s = status?.summary;
      if (s?.targeted !== n || s.synced !== n || status?.syncedAgents !== `${n}/${n}`)
        out.push(
          `${key}: status says ${status?.syncedAgents} ${JSON.stringify(s)}, ${n} live agents targeted`,
        );
      if (n <= max) {
        const listed = (status?.agents ?? []).map((a) => `${a.name}:${a.state}`).join(',');
        const want = [...targetedNames]
          .sort()
          .map((name) => `${name}:Synced`)
          .join(',');
        if (listed !== want) out.push(`${key}: status.agents [${listed}], expected [${want}]`);
      }
    }
    for (const agent of agents) {
      const h = held.get(agent.spec.name)?.get(key);
      const name = agent.spec.name;
      if (targetedNames.has(name)) {
        if (h?.uid !== obj.metadata.uid || h.generation !== generation)
          out.push(
            `${key}: agent ${name} holds ${h ? `${h.uid}@${h.generation}` : 'nothing'}, expected ${obj.metadata.uid}@${generation}`,
          );
      } else if (h) {
        out.push(`${key}: agent ${name} holds ${h.uid}@${h.generation} but is not targeted`);
      }
    }
  }
  for (const [agent, configs] of held) {
    for (const [key, h] of configs) {
      const obj = byKey.get(key);
      if (!obj || obj.metadata.uid !== h.uid.split(' ')[0])
        out.push(`${key}: agent ${agent} holds ${h.uid}@${h.generation}, a deleted resource`);
    }
  }
  return out;
}

/**
 * Waits until the invariant holds (and has held for `stableMs`) and returns when it began to hold,
 * as ms from `since` (the recovery time); on the deadline it fails with the violations last seen.
 */
export async function converged(
  world: InvariantWorld,
  options: { timeoutMs?: number; since?: number; stableMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const since = options.since ?? Date.now();
  const stableMs = options.stableMs ?? 0;
  let last: string[] = [];
  let holdsSince: number | undefined;
  try {
    await waitFor(
      async () => {
        last = await violations(world);
        if (last.length > 0) holdsSince = undefined;
        else holdsSince ??= Date.now();
        // Held for stableMs: a late effect of the fault (a roster tick, a retry) would show by then.
        return holdsSince !== undefined && Date.now() - holdsSince >= stableMs;
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: options.intervalMs ?? 200,
        what: 'the invariant',
      },
    );
  } catch (error) {
    const shown = last.slice(0, 12).join('\n  ');
    throw new Error(`invariant broken (${last.length} violations):\n  ${shown}`, { cause: error });
  }
  return (holdsSince as number) - since;
}

/**
 * Watches acknowledgements while a fault happens: whatever status says an agent Synced, that
 * agent's files must hold at that generation or newer from then on; and an agent's generation of
 * one resource never goes back.
 */
export class AckMonitor {
  readonly problems: string[] = [];
  readonly #world: InvariantWorld;
  /** `agent|uid` → the highest generation status said that agent acknowledged. */
  readonly #acked = new Map<string, number>();
  /** `agent|uid` → the highest generation seen in the agent's files. */
  readonly #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  samples = 0;

  constructor(world: InvariantWorld) {
    this.#world = world;
  }

  start(intervalMs = 250): this {
    const tick = () => {
      this.#running = this.sample()
        .catch(() => undefined) // the API server may be under fault: skip this sample
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
    return this;
  }

  async stop(): Promise<string[]> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.sample().catch(() => undefined);
    return this.problems;
  }

  /** Reads statuses first, then the agents' files: a later read must be at least as new. */
  async sample(): Promise<void> {
    const objects = await listIngresses(this.#world.kc);
    for (const obj of objects) {
      for (const a of obj.status?.agents ?? []) {
        if (a.state !== 'Synced' || a.generation === undefined) continue;
        const k = `${a.name}|${obj.metadata.uid}`;
        this.#acked.set(k, Math.max(this.#acked.get(k) ?? 0, a.generation));
      }
    }
    const live = new Set(objects.map((o) => o.metadata.uid));
    for (const agent of this.#world.liveAgents()) {
      for (const [key, h] of await heldBy(agent)) {
        const k = `${agent.spec.name}|${h.uid}`;
        const before = this.#seen.get(k) ?? 0;
        if (h.generation < before && h.generation !== -1)
          this.problems.push(
            `${agent.spec.name} went back from generation ${before} to ${h.generation} of ${key}`,
          );
        this.#seen.set(k, Math.max(before, h.generation));
        const acked = this.#acked.get(k) ?? 0;
        if (live.has(h.uid) && h.generation !== -1 && h.generation < acked)
          this.problems.push(
            `${agent.spec.name} holds generation ${h.generation} of ${key} after acknowledging ${acked}`,
          );
      }
    }
    this.samples++;
  }
}
