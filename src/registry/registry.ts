// The Redis heartbeat registry of DESIGN.md: a sorted set of names scored by the controller's
// clock, plus one hash per agent with a TTL. Does not log; callers see typed errors.
import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';

/** A Redis client the registry can use: one server (plain or Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** A live agent as the registry knows it. */
export interface Agent {
  name: string;
  labels: Record<string, string>;
  version: string;
  /** Controller clock, ms, of the last heartbeat. */
  lastSeen: number;
}

/** What an agent reports in its heartbeat. */
export interface Heartbeat {
  name: string;
  labels: Record<string, string>;
  version: string;
}

/** A live member as stored: labels still JSON, so a watcher compares without parsing. */
export interface RawAgent {
  name: string;
  labelsJson: string;
  version: string;
  lastSeen: number;
}

export interface AgentRegistryOptions {
  /** Key prefix (REDIS_PREFIX); with a Cluster it must hold a `{hash tag}`. */
  prefix?: string;
  /** An agent silent this long is gone (AGENT_TTL_MS). */
  ttlMs?: number;
  clock?: () => number;
  /** Heartbeats arriving within this window share one MULTI (default 10 ms; 0: one event-loop turn). */
  batchWindowMs?: number;
}

const MAX_BATCH = 2000;

/** Writes heartbeats, lists live agents and sweeps the stale ones. */
export class AgentRegistry {
  readonly prefix: string;
  readonly ttlMs: number;
  readonly #redis: RedisClient;
  readonly #clock: () => number;
  readonly batchWindowMs: number;
  #pending: { beat: Heartbeat; done: (error?: Error) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: RedisClient, options: AgentRegistryOptions = {}) {
    this.#redis = redis;
    this.prefix = options.prefix ?? 'wise2c:ingress:';
    this.ttlMs = options.ttlMs ?? 3000;
    this.#clock = options.clock ?? Date.now;
    this.batchWindowMs = options.batchWindowMs ?? 10;
    if (redis instanceof Cluster && !/\{[^}]+\}/.test(this.prefix)) {
      throw new Error(
        `REDIS_PREFIX "${this.prefix}" has no {hash tag}; with Redis Cluster the registry keys must share one slot, e.g. "{wise2c:ingress}:"`,
      );
    }
  }

  /** The sorted set of agent names scored by last heartbeat. */
  get agentsKey(): string {
    return `${this.prefix}agents`;
  }

  /** The hash of one agent. */
  agentKey(name: string): string {
    return `${this.prefix}agent:${name}`;
  }

  /**
   * Records a heartbeat: ZADD + HSET + PEXPIRE in one MULTI, one round trip. Heartbeats arriving
   * within batchWindowMs share that MULTI (one ZADD for all): one socket write per window instead
   * of one per beat, which is what keeps 10k beats/s cheap.
   */
  online(beat: Heartbeat): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) {
        this.#timer = setTimeout(() => void this.#flush(), this.batchWindowMs);
      }
      this.#pending.push({ beat, done: (error) => (error ? reject(error) : resolve()) });
      if (this.#pending.length >= MAX_BATCH) {
        clearTimeout(this.#timer);
        void this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const now = this.#clock();
    const scored: (string | number)[] = [];
    const multi = this.#redis.multi();
    for (const { beat } of batch) {
      scored.push(now, beat.name);
      multi.hset(this.agentKey(beat.name), {
        labels: canonicalJson(beat.labels),
        version: beat.version,
        lastSeen: String(now),
      });
      // The hash outlives the liveness window so a live member never lacks its labels.
      multi.pexpire(this.agentKey(beat.name), this.ttlMs * 2);
    }
    multi.zadd(this.agentsKey, ...scored);
    try {
      const results = await multi.exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (!results || failed) throw failed ?? new Error('MULTI was discarded');
      for (const { done } of batch) done();
    } catch (cause) {
      const error = new Error(`registry: recording ${batch.length} heartbeat(s) failed`, { cause });
      for (const { done } of batch) done(error);
    }
  }

  /** Removes an agent at once (graceful shutdown). */
  async offline(name: string): Promise<void> {
    try {
      await this.#redis.multi().zrem(this.agentsKey, name).del(this.agentKey(name)).exec();
    } catch (cause) {
      throw new Error(`registry: removing agent ${name} failed`, { cause });
    }
  }

  /** Agents whose last heartbeat is younger than ttlMs, sorted by name. */
  async liveAgents(): Promise<Agent[]> {
    return (await this.liveRaw()).map((raw) => ({
      name: raw.name,
      labels: JSON.parse(raw.labelsJson) as Record<string, string>,
      version: raw.version,
      lastSeen: raw.lastSeen,
    }));
  }

  /** Like liveAgents, labels left as canonical JSON. */
  async liveRaw(): Promise<RawAgent[]> {
    try {
      const flat = await this.#redis.zrangebyscore(
        this.agentsKey,
        `(${this.#clock() - this.ttlMs}`,
        '+inf',
        'WITHSCORES',
      );
      const pipe = this.#redis.pipeline();
      for (let i = 0; i < flat.length; i += 2) {
        pipe.hmget(this.agentKey(flat[i] as string), 'labels', 'version');
      }
      const hashes = flat.length > 0 ? ((await pipe.exec()) ?? []) : [];
      const out: RawAgent[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const [error, fields] = hashes[i / 2] ?? [];
        const [labelsJson, version] = (fields ?? []) as (string | null)[];
        if (error || labelsJson == null) continue; // hash expired: as good as gone
        out.push({
          name: flat[i] as string,
          labelsJson,
          version: version ?? '',
          lastSeen: Number(flat[i + 1]),
        });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (cause) {
      throw new Error('registry: reading live agents failed', { cause });
    }
  }

  /**
   * A token kept in `<prefix>epoch` (set once, never expires): it changes when Redis loses the
   * registry (a restart without persistence, a flush, a failover to an empty server).
   */
  async epoch(): Promise<string> {
    const key = `${this.prefix}epoch`;
    try {
      await this.#redis.set(key, randomUUID(), 'NX');
      return (await this.#redis.get(key)) ?? '';
    } catch (cause) {
      throw new Error('registry: reading the epoch failed', { cause });
    }
  }

  /** Removes members older than ttlMs from the sorted set; returns how many. */
  async sweep(): Promise<number> {
    try {
      return await this.#redis.zremrangebyscore(this.agentsKey, '-inf', this.#clock() - this.ttlMs);
    } catch (cause) {
      throw new Error('registry: sweeping stale agents failed', { cause });
    }
  }
}

/** JSON with sorted keys, so equal label sets compare equal as strings. */
export function canonicalJson(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}
