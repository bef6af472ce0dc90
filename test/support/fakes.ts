// Fakes of the reconciler's ports, with failure injection and a reset(); the integration tier
// passes the real adapters instead.
import type { IngressConfig } from '../../src/spec/index.ts';
import type {
  AgentPusher,
  Clock,
  EventRecorder,
  IngressCache,
  IngressWriter,
  LiveAgents,
} from '../../src/reconciler/ports.ts';
import type { AgentInfo } from '../../src/reconciler/targets.ts';
import { keyOf, type IngressObject, type IngressStatus } from '../../src/reconciler/types.ts';
import { toCached, type CachedIngress } from '../../src/reconciler/cached.ts';

/**
 * An in-memory API server + cache: writes land at once, bumping resourceVersion. `objects` holds
 * them as the API serves them; get/list return them in the informer's cache form.
 */
export class FakeKube implements IngressCache, IngressWriter {
  readonly objects = new Map<string, IngressObject>();
  readonly #cached = new WeakMap<IngressObject, CachedIngress>();
  statusWrites = 0;
  finalizerWrites = 0;
  #rv = 1;

  put(obj: IngressObject): IngressObject {
    const stored = structuredClone({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) },
    });
    this.objects.set(keyOf(obj), stored);
    return stored;
  }
  get(key: string): CachedIngress | undefined {
    const obj = this.objects.get(key);
    return obj && this.#cache(obj);
  }
  /** The object as the API server holds it (status agents as a plain list). */
  raw(key: string): IngressObject | undefined {
    return this.objects.get(key);
  }
  list(): readonly CachedIngress[] {
    return [...this.objects.values()].map((obj) => this.#cache(obj));
  }
  #cache(obj: IngressObject): CachedIngress {
    let cached = this.#cached.get(obj);
    if (!cached) {
      cached = toCached(obj);
      this.#cached.set(obj, cached);
    }
    return cached;
  }
  patchStatus(obj: IngressObject, status: IngressStatus): Promise<void> {
    this.statusWrites++;
    const current = this.#current(obj);
    this.put({ ...current, status: structuredClone(status) });
    return Promise.resolve();
  }
  setFinalizers(obj: IngressObject, finalizers: string[]): Promise<void> {
    this.finalizerWrites++;
    const current = this.#current(obj);
    if (current.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      return Promise.reject(
        Object.assign(new Error('the object has been modified'), { code: 409 }),
      );
    }
    if (current.metadata.deletionTimestamp && finalizers.length === 0) {
      this.objects.delete(keyOf(obj));
    } else {
      this.put({ ...current, metadata: { ...current.metadata, finalizers } });
    }
    return Promise.resolve();
  }
  #current(obj: IngressObject): IngressObject {
    const current = this.objects.get(keyOf(obj));
    if (!current) throw Object.assign(new Error('not found'), { code: 404 });
    return current;
  }
}

/** Agents that apply what they are sent, unless told to fail; tracks concurrency. */
export class FakeAgents implements AgentPusher, LiveAgents {
  live: AgentInfo[] = [];
  readonly applied = new Map<string, Map<string, number>>();
  readonly failing = new Map<string, string>();
  sets = 0;
  dels = 0;
  running = 0;
  maxRunning = 0;
  /** Holds each call open until released, to observe concurrency; off by default. */
  gate: Promise<void> | undefined;

  list(): readonly AgentInfo[] {
    return this.live;
  }
  async set(agent: string, config: IngressConfig): Promise<{ generation: number }> {
    this.sets++;
    return this.#call(agent, () => {
      const held = this.#held(agent);
      held.set(config.uid, Math.max(held.get(config.uid) ?? 0, config.generation));
      return { generation: held.get(config.uid) as number };
    });
  }
  async del(agent: string, ref: { uid: string }): Promise<void> {
    this.dels++;
    return this.#call(agent, () => void this.#held(agent).delete(ref.uid));
  }
  reset(): void {
    this.live = [];
    this.applied.clear();
    this.failing.clear();
    this.sets = this.dels = this.running = this.maxRunning = 0;
    this.gate = undefined;
  }
  #held(agent: string): Map<string, number> {
    let held = this.applied.get(agent);
    if (!held) this.applied.set(agent, (held = new Map<string, number>()));
    return held;
  }
  async #call<T>(agent: string, apply: () => T): Promise<T> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await (this.gate ?? Promise.resolve());
      await new Promise((r) => setImmediate(r));
      const failure = this.failing.get(agent);
      if (failure) throw Object.assign(new Error(failure), { code: 'REMOTE' });
      return apply();
    } finally {
      this.running--;
    }
  }
}

export class FakeEvents implements EventRecorder {
  readonly events: { type: string; reason: string; message: string }[] = [];
  record(_obj: IngressObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }
}

export class FakeClock implements Clock {
  t = new Date('2026-01-01T00:00:00Z').getTime();
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
