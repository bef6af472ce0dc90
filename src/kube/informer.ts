import { EventEmitter } from 'node:events';
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';

export interface InformerEvents<T> {
  add: [T];
  update: [T];
  delete: [T];
  /** Every cached object is offered again (the periodic resync). */
  resync: [];
  /** The first list has completed: the cache is usable. */
  synced: [];
  /** The informer stopped on an error and restarts after `delayMs`. */
  restarting: [{ error: unknown; delayMs: number }];
}

export interface ResilientInformerOptions {
  /** e.g. `/apis/ingress.wise2c.com/v1/wise2cingressconfigs` */
  path: string;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
  /**
   * Applied to every object before it enters the cache (client-go's SetTransform): keep only what
   * the controller reads. It must keep metadata.namespace, name and resourceVersion.
   */
  transform?: (obj: KubernetesObject) => KubernetesObject;
  restartBaseMs?: number;
  restartMaxMs?: number;
  resyncMs?: number;
}

/**
 * client-node's list-watch informer, restarted with exponential back-off whenever it stops on an
 * error (client-node's own informer gives up on errors), relisting on 410 (client-node does that),
 * and offering every object again each resync period. A silent watch is reopened by client-node's
 * 30 s inactivity timeout.
 */
export class ResilientInformer<T extends object = KubernetesObject> extends EventEmitter<
  InformerEvents<T>
> {
  readonly #informer: ListWatch<KubernetesObject>;
  readonly #options: Required<Omit<ResilientInformerOptions, 'path' | 'list' | 'transform'>>;
  #failures = 0;
  #synced = false;
  #stopped = true;
  #erroredDuringStart = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #healthyTimer: NodeJS.Timeout | undefined;

  constructor(kc: KubeConfig, options: ResilientInformerOptions) {
    super();
    this.#options = {
      restartBaseMs: options.restartBaseMs ?? 500,
      restartMaxMs: options.restartMaxMs ?? 30_000,
      resyncMs: options.resyncMs ?? 600_000,
    };
    // Custom objects arrive as plain JSON (timestamps stay strings), whatever client-node's types say.
    const transform = options.transform;
    const list = transform
      ? async () => {
          const listed = await options.list();
          return { ...listed, items: listed.items.map(transform) };
        }
      : options.list;
    const watch = transform ? new TransformingWatch(kc, transform) : new Watch(kc);
    this.#informer = new ListWatch(options.path, watch, list, false);
    this.#informer.on('add', (obj) => this.emit('add', obj as T));
    this.#informer.on('update', (obj) => this.emit('update', obj as T));
    this.#informer.on('delete', (obj) => this.emit('delete', obj as T));
    this.#informer.on('error', (error: unknown) => this.#onError(error));
  }

  /** Whether the first list has completed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The cached object `namespace/name`; read-only. */
  get(namespace: string, name: string): T | undefined {
    return this.#informer.get(name, namespace) as T | undefined;
  }

  /** Every cached object; read-only. */
  list(): readonly T[] {
    return this.#informer.list() as readonly T[];
  }

  /** Lists and starts watching; resolves once the first attempt is over (see `synced`). */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#resyncTimer = setInterval(() => this.emit('resync'), this.#options.resyncMs).unref();
    await this.#startOnce();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#healthyTimer);
    clearInterval(this.#resyncTimer);
    await this.#informer.stop();
  }

  async #startOnce(): Promise<void> {
    this.#erroredDuringStart = false;
    await this.#informer.start();
    if (this.#stopped || this.#erroredDuringStart) return;
    if (!this.#synced) {
      this.#synced = true;
      this.emit('synced');
    }
    // Forget earlier failures once the informer has stayed up a little (a watch that lives 1 s
    // after a relist is a new incident when it drops, not the same one): waiting restartMaxMs
    // instead left a controller blind for 16-30 s after a few watch drops in a row.
    const healthyMs = Math.min(this.#options.restartMaxMs, this.#options.restartBaseMs * 2);
    this.#healthyTimer = setTimeout(() => (this.#failures = 0), healthyMs).unref();
  }

  #onError(error: unknown): void {
    this.#erroredDuringStart = true;
    clearTimeout(this.#healthyTimer);
    if (this.#stopped) return;
    const delayMs = Math.min(
      this.#options.restartMaxMs,
      this.#options.restartBaseMs * 2 ** this.#failures,
    );
    this.#failures++;
    this.emit('restarting', { error, delayMs });
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(
      () => {
        if (!this.#stopped) void this.#startOnce().catch((e: unknown) => this.#onError(e));
      },
      delayMs * (0.8 + Math.random() * 0.4),
    );
  }
}

/** client-node's Watch, with each object of an ADDED, MODIFIED or DELETED event transformed. */
class TransformingWatch extends Watch {
  readonly #transform: (obj: KubernetesObject) => KubernetesObject;

  constructor(kc: KubeConfig, transform: (obj: KubernetesObject) => KubernetesObject) {
    super(kc);
    this.#transform = transform;
  }

  override watch(
    path: string,
    queryParams: Parameters<Watch['watch']>[1],
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const objectPhases = new Set(['ADDED', 'MODIFIED', 'DELETED']);
    return super.watch(
      path,
      queryParams,
      (phase, apiObj: KubernetesObject, watchObj) => {
        const obj = objectPhases.has(phase) ? this.#transform(apiObj) : apiObj;
        callback(phase, obj, watchObj && { ...(watchObj as object), object: obj });
      },
      done,
    );
  }
}
