// The applier engine: generations, conflicts, validation and persisted state, shared by every
// applier; what makes a set of configs live (nothing, or nginx) is a Sink behind it.
import type { IngressConfig } from '../spec/index.ts';
import { ApplyError } from './errors.ts';
import { SerialQueue } from './serial.ts';
import type { StateStore } from './state-store.ts';
import { configKey, findConflict, validateConfig } from './validate.ts';

/** Which config to remove. */
export interface ConfigRef {
  uid: string;
  namespace: string;
  name: string;
}

/** The outcome of one apply: the generation now held and whether anything changed. */
export interface ApplyResult {
  generation: number;
  changed: boolean;
}

/** The outcome of a reconcile: counts, and the configs that could not be applied. */
export interface ReconcileResult {
  applied: number;
  removed: number;
  failed: { key: string; code: string; message: string }[];
}

/** What every applier offers the agent; calls are serialised inside. */
export interface Applier {
  start(): Promise<{ loaded: number; warnings: string[] }>;
  apply(config: IngressConfig): Promise<ApplyResult>;
  remove(ref: ConfigRef): Promise<{ removed: boolean }>;
  list(): IngressConfig[];
  reconcile(configs: readonly IngressConfig[]): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

/** Makes a complete set of configs live; commit() throws ApplyError REJECTED and changes nothing on failure. */
export interface Sink {
  start(configs: readonly IngressConfig[]): Promise<void>;
  commit(configs: readonly IngressConfig[]): Promise<void>;
  stop(): Promise<void>;
}

/** An Applier over a StateStore and a Sink. */
export class StateApplier implements Applier {
  readonly #store: StateStore;
  readonly #sink: Sink;
  readonly #queue = new SerialQueue();
  #held = new Map<string, IngressConfig>();
  /**
   * What was removed, by key: a SetIngressConfig for the same uid at an older generation is a
   * stale message (sent before the removal, delivered after it, e.g. queued while the agent was
   * down) and must not bring the config back. Kept in memory, bounded.
   */
  readonly #removed = new Map<string, { uid: string; generation: number }>();

  constructor(store: StateStore, sink: Sink) {
    this.#store = store;
    this.#sink = sink;
  }

  /** Loads the saved state and makes it live; a state the sink refuses is dropped (reconcile restores it). */
  async start(): Promise<{ loaded: number; warnings: string[] }> {
    return this.#queue.run(async () => {
      const { configs, rejected } = await this.#store.load();
      const warnings = rejected.map((r) => `state file ${r.file} set aside: ${r.reason}`);
      try {
        await this.#sink.start(configs);
      } catch (error) {
        warnings.push(`saved state refused, starting empty: ${(error as Error).message}`);
        for (const config of configs) await this.#store.delete(config);
        await this.#sink.start([]);
        return { loaded: 0, warnings };
      }
      this.#held = new Map(configs.map((c) => [configKey(c), c]));
      return { loaded: configs.length, warnings };
    });
  }

  list(): IngressConfig[] {
    return [...this.#held.values()];
  }

  /** Applies one config unless the agent holds the same or a newer generation of it. */
  apply(input: IngressConfig): Promise<ApplyResult> {
    return this.#queue.run(() => this.#apply(input));
  }

  async #apply(input: IngressConfig): Promise<ApplyResult> {
    const config = validateConfig(input);
    const key = configKey(config);
    const held = this.#held.get(key);
    if (held && held.uid === config.uid && held.generation >= config.generation) {
      return { generation: held.generation, changed: false };
    }
    const gone = this.#removed.get(key);
    if (!held && gone && gone.uid === config.uid && gone.generation > config.generation) {
      return { generation: gone.generation, changed: false };
    }
    const conflict = findConflict(this.#held.values(), config);
    if (conflict) throw new ApplyError('CONFLICT', conflict);
    const next = new Map(this.#held).set(key, config);
    await this.#sink.commit([...next.values()]);
    await this.#store.write(config);
    this.#held = next;
    this.#removed.delete(key);
    return { generation: config.generation, changed: true };
  }

  /** Removes a config; a different uid under the same name is a newer resource and stays. */
  remove(ref: ConfigRef): Promise<{ removed: boolean }> {
    return this.#queue.run(async () => {
      const key = configKey(ref);
      const held = this.#held.get(key);
      if (!held || held.uid !== ref.uid) return { removed: false };
      const next = new Map(this.#held);
      next.delete(key);
      await this.#sink.commit([...next.values()]);
      await this.#store.delete(ref);
      this.#held = next;
      this.#remember(held);
      return { removed: true };
    });
  }

  /** Makes the held set equal to `configs` (removing the rest): one commit, else one config at a time. */
  reconcile(configs: readonly IngressConfig[]): Promise<ReconcileResult> {
    return this.#queue.run(async () => {
      const failed: ReconcileResult['failed'] = [];
      const desired = new Map<string, IngressConfig>();
      for (const input of configs) {
        try {
          const config = validateConfig(input);
          const held = this.#held.get(configKey(config));
          const pick =
            held && held.uid === config.uid && held.generation >= config.generation ? held : config;
          const conflict = findConflict(desired.values(), pick);
          if (conflict) throw new ApplyError('CONFLICT', conflict);
          desired.set(configKey(pick), pick);
        } catch (error) {
          failed.push(failure(input, error));
        }
      }
      const removed = [...this.#held.values()].filter((c) => !desired.has(configKey(c)));
      const changed = [...desired.values()].filter((c) => this.#held.get(configKey(c)) !== c);
      if (removed.length === 0 && changed.length === 0) return { applied: 0, removed: 0, failed };
      try {
        await this.#sink.commit([...desired.values()]);
      } catch {
        return this.#reconcileOneByOne(desired, removed, failed);
      }
      for (const c of changed) await this.#store.write(c);
      for (const c of removed) await this.#store.delete(c);
      this.#held = desired;
      for (const c of removed) this.#remember(c);
      return { applied: changed.length, removed: removed.length, failed };
    });
  }

  async #reconcileOneByOne(
    desired: Map<string, IngressConfig>,
    removed: IngressConfig[],
    failed: ReconcileResult['failed'],
  ): Promise<ReconcileResult> {
    const keep = new Map([...this.#held].filter(([key]) => desired.has(key)));
    try {
      await this.#sink.commit([...keep.values()]);
    } catch {
      keep.clear();
      await this.#sink.commit([]);
    }
    for (const [key, c] of this.#held) {
      if (keep.has(key)) continue;
      await this.#store.delete(c);
      this.#remember(c);
    }
    this.#held = keep;
    let applied = 0;
    for (const config of desired.values()) {
      try {
        if ((await this.#apply(config)).changed) applied += 1;
      } catch (error) {
        failed.push(failure(config, error));
      }
    }
    return { applied, removed: removed.length, failed };
  }

  #remember(config: IngressConfig): void {
    const key = configKey(config);
    this.#removed.delete(key);
    this.#removed.set(key, { uid: config.uid, generation: config.generation });
    if (this.#removed.size > 10_000)
      this.#removed.delete(this.#removed.keys().next().value as string);
  }

  /** Waits for the apply in progress (and any queued), then stops the sink. */
  async stop(): Promise<void> {
    await this.#queue.idle();
    await this.#sink.stop();
  }
}

function failure(
  config: { namespace?: unknown; name?: unknown },
  error: unknown,
): ReconcileResult['failed'][number] {
  return {
    key: `${String(config.namespace)}/${String(config.name)}`,
    code: error instanceof ApplyError ? error.code : 'ERROR',
    message: (error as Error).message,
  };
}
