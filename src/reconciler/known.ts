import { statusAgents, type CachedIngress } from './cached.ts';
import { PackedAgents } from './packed.ts';
import type { AgentStatus } from './types.ts';

/**
 * What each agent acknowledged, per resource key (and uid): fresher than the cached status after a
 * write. Kept packed between passes; a pass works on a plain Map (`open`) that `close` packs again.
 * A key is open in at most one pass at a time (the work queue's guarantee).
 */
export class KnownAgents {
  readonly #packed = new Map<string, { uid: string; agents: PackedAgents }>();
  readonly #open = new Map<string, { uid: string; agents: Map<string, AgentStatus> }>();

  /** The working map of `key` for one pass: from memory, else seeded from the cached status. */
  open(key: string, obj: CachedIngress): Map<string, AgentStatus> {
    const uid = obj.metadata.uid;
    const open = this.#open.get(key);
    if (open?.uid === uid) return open.agents;
    const kept = this.#packed.get(key);
    const packed = kept?.uid === uid ? kept.agents : statusAgents(obj.status);
    const agents = packed?.toMap() ?? new Map<string, AgentStatus>();
    this.#open.set(key, { uid, agents });
    return agents;
  }

  /** Ends the pass over `key`: its working map is packed and kept (unless `delete`d meanwhile). */
  close(key: string): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    this.#packed.set(key, { uid: open.uid, agents: packSorted(open.agents) });
  }

  /** Forgets `key` entirely (the object is gone). */
  delete(key: string): void {
    this.#open.delete(key);
    this.#packed.delete(key);
  }

  /** Forgets `agent` everywhere, so a returning agent is pushed again. */
  forgetAgent(agent: string): void {
    for (const entry of this.#open.values()) entry.agents.delete(agent);
    for (const [key, entry] of this.#packed) {
      if (!entry.agents.has(agent)) continue;
      const agents = entry.agents.toMap();
      agents.delete(agent);
      this.#packed.set(key, { uid: entry.uid, agents: packSorted(agents) });
    }
  }
}

/** Packed in name order, as status.agents is, so that resources share their name lists. */
function packSorted(agents: Map<string, AgentStatus>): PackedAgents {
  const names = [...agents.keys()].sort();
  return PackedAgents.pack(names.map((name) => agents.get(name)!));
}
