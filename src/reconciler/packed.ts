// A compact, immutable form of one resource's per-agent entries, for what the controller keeps in
// memory per resource (the informer cache's status.agents, the reconciler's record of
// acknowledgements). 10,000 resources × 100 agents as plain objects is ~1,000,000 objects with two
// timestamp strings each (~100 MiB); packed it is a name list shared between resources that target
// the same agents, one character per agent (the index of its outcome, in a string shared the same
// way), and the few distinct outcomes of the resource.
import type { AgentStatus } from './types.ts';

/** An agent entry without its name: every agent of one pass with the same result shares one. */
type Outcome = Readonly<Omit<AgentStatus, 'name'>>;

/** One shared copy of equal values, by key; forgets everything once keys pass `maxChars`. */
class Interner<T> {
  readonly #values = new Map<string, T>();
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  intern(key: string, value: T): T {
    const found = this.#values.get(key);
    if (found !== undefined) return found;
    if (this.#chars + key.length > this.#maxChars) {
      this.#values.clear();
      this.#chars = 0;
    }
    this.#values.set(key, value);
    this.#chars += key.length;
    return value;
  }
}

const names = new Interner<string>(1 << 20);
const lists = new Interner<readonly string[]>(4 << 20);
const slotStrings = new Interner<string>(1 << 20);

/** The shared copy of this name list (and of its names). */
function internList(list: string[]): readonly string[] {
  for (let i = 0; i < list.length; i++) list[i] = names.intern(list[i]!, list[i]!);
  return lists.intern(list.join('\n'), list);
}

function outcomeKey(e: AgentStatus): string {
  return `${e.state}\n${e.generation}\n${e.lastAttemptTime}\n${e.lastSyncTime}\n${e.message}`;
}

function outcomeOf(e: AgentStatus): Outcome {
  const o: Omit<AgentStatus, 'name'> = { state: e.state };
  if (e.generation !== undefined) o.generation = e.generation;
  if (e.message !== undefined) o.message = e.message;
  if (e.lastAttemptTime !== undefined) o.lastAttemptTime = e.lastAttemptTime;
  if (e.lastSyncTime !== undefined) o.lastSyncTime = e.lastSyncTime;
  return Object.freeze(o);
}

/** Agent entries in their original order, packed; read with get/has/entries, never mutated. */
export class PackedAgents {
  readonly #names: readonly string[];
  /** Per agent, the index of its outcome: char codes of a string (numbers past 65,536 outcomes). */
  readonly #slots: string | readonly number[];
  readonly #outcomes: readonly Outcome[];

  private constructor(
    list: readonly string[],
    slots: string | readonly number[],
    outcomes: readonly Outcome[],
  ) {
    this.#names = list;
    this.#slots = slots;
    this.#outcomes = outcomes;
  }

  /** Packs entries (later entries of one name win, as in a Map); equal outcomes are stored once. */
  static pack(entries: Iterable<AgentStatus>): PackedAgents {
    const byName = new Map<string, AgentStatus>();
    for (const e of entries) byName.set(e.name, e);
    const outcomes: Outcome[] = [];
    const index = new Map<string, number>();
    const slots: number[] = [];
    for (const e of byName.values()) {
      const key = outcomeKey(e);
      let slot = index.get(key);
      if (slot === undefined) {
        slot = outcomes.push(outcomeOf(e)) - 1;
        index.set(key, slot);
      }
      slots.push(slot);
    }
    let packedSlots: string | number[] = slots;
    if (outcomes.length <= 0x10000) {
      let text = '';
      for (const slot of slots) text += String.fromCharCode(slot);
      packedSlots = slotStrings.intern(text, text);
    }
    return new PackedAgents(internList([...byName.keys()]), packedSlots, outcomes);
  }

  /** How many agents. */
  get size(): number {
    return this.#names.length;
  }

  /** Whether `name` has an entry. */
  has(name: string): boolean {
    return this.#names.includes(name);
  }

  /** The entry of `name`, as a new object. */
  get(name: string): AgentStatus | undefined {
    const i = this.#names.indexOf(name);
    return i === -1 ? undefined : this.#at(i);
  }

  /** Every entry, in order, as new objects. */
  *entries(): IterableIterator<AgentStatus> {
    for (let i = 0; i < this.#names.length; i++) yield this.#at(i);
  }

  /** A mutable copy keyed by name. */
  toMap(): Map<string, AgentStatus> {
    const map = new Map<string, AgentStatus>();
    for (let i = 0; i < this.#names.length; i++) map.set(this.#names[i]!, this.#at(i));
    return map;
  }

  /** Whether `list`, in order, holds exactly these entries (JSON-equal: absent = undefined). */
  equals(list: readonly AgentStatus[]): boolean {
    const n = this.#names.length;
    if (list.length !== n) return false;
    for (let i = 0; i < n; i++) {
      const a = list[i]!;
      const o = this.#outcome(i);
      if (
        a.name !== this.#names[i] ||
        a.state !== o.state ||
        a.generation !== o.generation ||
        a.message !== o.message ||
        a.lastAttemptTime !== o.lastAttemptTime ||
        a.lastSyncTime !== o.lastSyncTime
      ) {
        return false;
      }
    }
    return true;
  }

  /** The entries as the API writes them: plain objects. */
  toJSON(): AgentStatus[] {
    return [...this.entries()];
  }

  #outcome(i: number): Outcome {
    const slots = this.#slots;
    return this.#outcomes[typeof slots === 'string' ? slots.charCodeAt(i) : slots[i]!]!;
  }

  #at(i: number): AgentStatus {
    return { name: this.#names[i]!, ...this.#outcome(i) };
  }
}
