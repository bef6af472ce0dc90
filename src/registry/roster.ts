// Reads the live set every intervalMs and reports who joined, who left and whose labels changed.
import { EventEmitter } from 'node:events';
import type { Agent, AgentRegistry, RawAgent } from './registry.ts';

/** Events of a RosterWatcher; `error` is a failed refresh (the next tick tries again). */
export interface RosterEvents {
  joined: [agent: Agent];
  left: [agent: Agent];
  labelsChanged: [agent: Agent, previous: Record<string, string>];
  refreshed: [stats: { agents: number; durationMs: number }];
  error: [error: Error];
}

export interface RosterWatcherOptions {
  /** How often the live set is read (DESIGN.md: every second). */
  intervalMs?: number;
  /** Also sweep stale members on each tick (the leader does; default true). */
  sweep?: boolean;
  /**
   * How long agents missing from the live set are kept (no `left`) after a failed refresh, after
   * Redis lost the registry (its epoch changed), or after most agents vanished at once: silence
   * the registry explains is not death. Default: the registry's TTL plus one interval, in which
   * every live agent has beaten again.
   */
  graceMs?: number;
  clock?: () => number;
}

/** Diffs the registry's live set on a timer and emits typed events; it never logs. */
export class RosterWatcher extends EventEmitter<RosterEvents> {
  readonly #registry: AgentRegistry;
  readonly #intervalMs: number;
  readonly #sweep: boolean;
  readonly #graceMs: number;
  readonly #clock: () => number;
  /** Until then, agents missing from the live set stay known; set after a failure or a mass exit. */
  #graceUntil = 0;
  #failedSinceRead = false;
  /** The registry's epoch at the last read: another one means Redis lost the registry. */
  #epoch: string | undefined;
  /** Agents kept through a grace period although missing from the last read. */
  #held = new Set<string>();
  #known = new Map<string, { agent: Agent; labelsJson: string }>();
  #view: ReadonlyMap<string, Agent> | undefined;
  #list: readonly Agent[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(registry: AgentRegistry, options: RosterWatcherOptions = {}) {
    super();
    this.#registry = registry;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#sweep = options.sweep ?? true;
    this.#graceMs = options.graceMs ?? registry.ttlMs + this.#intervalMs;
    this.#clock = options.clock ?? Date.now;
  }

  /** The agents seen live at the last refresh, by name. */
  get agents(): ReadonlyMap<string, Agent> {
    this.#view ??= new Map([...this.#known].map(([name, entry]) => [name, entry.agent]));
    return this.#view;
  }

  /** The same agents as a list; built once per refresh, not once per caller (reconciles ask often). */
  list(): readonly Agent[] {
    this.#list ??= [...this.agents.values()];
    return this.#list;
  }

  /** Refreshes at once, then every intervalMs until stop(). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#tick();
  }

  /** Stops the timer and waits for a refresh in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #tick(): void {
    this.#running = this.refresh()
      .catch((error: unknown) => {
        if (this.listenerCount('error') > 0) this.emit('error', error as Error);
      })
      .finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
      });
  }

  /** Reads the live set once and emits the differences from the previous read. */
  async refresh(): Promise<void> {
    const started = performance.now();
    let live: RawAgent[];
    let epoch: string;
    try {
      if (this.#sweep) await this.#registry.sweep();
      live = await this.#registry.liveRaw();
      // Read after the live set: a Redis that lost its data meanwhile shows here at the latest.
      epoch = await this.#registry.epoch();
    } catch (error) {
      this.#failedSinceRead = true;
      throw error;
    }
    const now = this.#clock();
    const lost = this.#epoch !== undefined && epoch !== this.#epoch;
    if (this.#failedSinceRead || lost) this.#graceUntil = now + this.#graceMs;
    this.#failedSinceRead = false;
    this.#epoch = epoch;
    const next = new Map<string, { agent: Agent; labelsJson: string }>();
    const joined: Agent[] = [];
    const changed: [Agent, Record<string, string>][] = [];
    for (const raw of live) {
      const before = this.#known.get(raw.name);
      if (before && before.labelsJson === raw.labelsJson) {
        before.agent.lastSeen = raw.lastSeen;
        before.agent.version = raw.version;
        next.set(raw.name, before);
        continue;
      }
      const agent = toAgent(raw);
      next.set(raw.name, { agent, labelsJson: raw.labelsJson });
      if (before) changed.push([agent, before.agent.labels]);
      else joined.push(agent);
    }
    const missing = [...this.#known.values()].filter((e) => !next.has(e.agent.name));
    const newlyMissing = missing.filter((e) => !this.#held.has(e.agent.name)).length;
    const present = this.#known.size - this.#held.size;
    if (newlyMissing >= 2 && newlyMissing * 2 > present) this.#graceUntil = now + this.#graceMs;
    this.#held = new Set();
    const left: Agent[] = [];
    for (const entry of missing) {
      if (now < this.#graceUntil) {
        next.set(entry.agent.name, entry);
        this.#held.add(entry.agent.name);
      } else left.push(entry.agent);
    }
    this.#known = next;
    this.#view = undefined;
    this.#list = undefined;
    for (const agent of left) this.emit('left', agent);
    for (const agent of joined) this.emit('joined', agent);
    for (const [agent, previous] of changed) this.emit('labelsChanged', agent, previous);
    this.emit('refreshed', { agents: next.size, durationMs: performance.now() - started });
  }
}

function toAgent(raw: RawAgent): Agent {
  return {
    name: raw.name,
    labels: JSON.parse(raw.labelsJson) as Record<string, string>,
    version: raw.version,
    lastSeen: raw.lastSeen,
  };
}
