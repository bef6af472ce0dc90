// Objects in memory, one cluster-wide increasing resourceVersion, and a bounded history of
// changes that watches resume from (older than the window: 410 Gone).
import type { Obj } from './schema.ts';

/** One change, as a watch delivers it. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storage: string;
  rv: number;
  object: Obj;
  /** The object before this change (for MODIFIED and DELETED), to tell selector transitions. */
  previous: Obj | undefined;
  /** Serialized watch lines, per encoding, shared by every watcher of this event. */
  lines: Map<string, string>;
}

/** Map key of an object within its bucket: `namespace/name`. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The in-memory object store. It never logs and never throws API errors: callers check first. */
export class Store {
  readonly #buckets = new Map<string, Map<string, Obj>>();
  readonly #sorted = new Map<string, Obj[]>();
  readonly #bucketRv = new Map<string, number>();
  readonly #uids = new Map<string, Obj>();
  readonly #listeners = new Set<(e: StoreEvent) => void>();
  #history: StoreEvent[] = [];
  #rv = 1;
  #compactedThrough = 0;
  readonly #window: number;

  constructor(window = 1000) {
    this.#window = Math.max(1, window);
  }

  /** The newest resourceVersion (of the last write anywhere). */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** How many objects are stored. */
  get size(): number {
    let n = 0;
    for (const b of this.#buckets.values()) n += b.size;
    return n;
  }

  /** The resourceVersion of the last change to a bucket. */
  bucketVersion(storage: string): number {
    return this.#bucketRv.get(storage) ?? 0;
  }

  get(storage: string, namespace: string, name: string): Obj | undefined {
    return this.#buckets.get(storage)?.get(objectKey(namespace, name));
  }

  /** An object by uid (any bucket). */
  byUid(uid: string): Obj | undefined {
    return this.#uids.get(uid);
  }

  /** Objects of a bucket sorted by namespace then name; read-only. */
  list(storage: string, namespace?: string): readonly Obj[] {
    let sorted = this.#sorted.get(storage);
    if (!sorted) {
      const bucket = this.#buckets.get(storage) ?? new Map<string, Obj>();
      sorted = [...bucket.keys()].sort().map((k) => bucket.get(k) as Obj);
      this.#sorted.set(storage, sorted);
    }
    if (namespace === undefined) return sorted;
    return sorted.filter((o) => (o.metadata as Obj).namespace === namespace);
  }

  /**
   * A bucket as it was at resourceVersion `rv` (rolled back through the retained history), or
   * undefined when the history no longer reaches back that far.
   */
  snapshotAt(storage: string, rv: number): readonly Obj[] | undefined {
    if (rv >= this.#rv || this.bucketVersion(storage) <= rv) return this.list(storage);
    const events = this.eventsSince(rv);
    if (!events) return undefined;
    const state = new Map<string, Obj>(this.#buckets.get(storage) ?? []);
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i] as StoreEvent;
      if (e.storage !== storage) continue;
      const meta = e.object.metadata as Obj;
      const key = objectKey((meta.namespace as string | undefined) ?? '', meta.name as string);
      if (e.type === 'ADDED') state.delete(key);
      else state.set(key, e.previous as Obj);
    }
    return [...state.keys()].sort().map((k) => state.get(k) as Obj);
  }

  /** Every bucket's name. */
  buckets(): string[] {
    return [...this.#buckets.keys()];
  }

  /** Stores `obj` (its metadata.resourceVersion is stamped here) and records the change. */
  put(storage: string, obj: Obj): Obj {
    const meta = obj.metadata as Obj;
    const key = objectKey((meta.namespace as string | undefined) ?? '', meta.name as string);
    let bucket = this.#buckets.get(storage);
    if (!bucket) this.#buckets.set(storage, (bucket = new Map<string, Obj>()));
    const previous = bucket.get(key);
    const rv = ++this.#rv;
    meta.resourceVersion = String(rv);
    if (!previous) this.#sorted.delete(storage);
    else this.#replaceSorted(storage, previous, obj);
    bucket.set(key, obj);
    this.#uids.set(meta.uid as string, obj);
    this.#record({
      type: previous ? 'MODIFIED' : 'ADDED',
      storage,
      rv,
      object: obj,
      previous,
      lines: new Map(),
    });
    return obj;
  }

  /** Removes an object; the DELETED event carries a new resourceVersion, as the real one does. */
  remove(storage: string, obj: Obj): Obj {
    const meta = obj.metadata as Obj;
    const key = objectKey((meta.namespace as string | undefined) ?? '', meta.name as string);
    const previous = this.#buckets.get(storage)?.get(key);
    if (!previous) return obj;
    this.#buckets.get(storage)?.delete(key);
    this.#sorted.delete(storage);
    this.#uids.delete(meta.uid as string);
    const rv = ++this.#rv;
    const gone = {
      ...previous,
      metadata: { ...(previous.metadata as Obj), resourceVersion: String(rv) },
    };
    this.#record({ type: 'DELETED', storage, rv, object: gone, previous, lines: new Map() });
    return gone;
  }

  /** Changes after `rv`, or undefined when some of them are no longer retained (410 Gone). */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.#compactedThrough) return undefined;
    const first = this.#history.findIndex((e) => e.rv > rv);
    return first < 0 ? [] : this.#history.slice(first);
  }

  /** Drops the retained history and moves past it, so every resume from an older version gets 410. */
  compact(): void {
    this.#rv++;
    this.#compactedThrough = this.#rv;
    this.#history = [];
  }

  /** Calls `listener` with every change from now on; returns the unsubscribe function. */
  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #replaceSorted(storage: string, previous: Obj, next: Obj): void {
    const sorted = this.#sorted.get(storage);
    if (!sorted) return;
    const i = sorted.indexOf(previous);
    if (i >= 0) sorted[i] = next;
    else this.#sorted.delete(storage);
  }

  #record(event: StoreEvent): void {
    this.#bucketRv.set(event.storage, event.rv);
    this.#history.push(event);
    if (this.#history.length > this.#window) {
      const dropped = this.#history.splice(0, this.#history.length - this.#window);
      this.#compactedThrough = Math.max(this.#compactedThrough, (dropped.at(-1) as StoreEvent).rv);
    }
    for (const listener of this.#listeners) listener(event);
  }
}
