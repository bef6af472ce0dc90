import { EventEmitter } from 'node:events';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type CoreV1Event,
} from '@kubernetes/client-node';

/** The object an event is about. */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string };
}

interface Series {
  name: string;
  count: number;
  at: number;
}

/**
 * Records core/v1 Events as client-go's recorder does: a repeat of the same (object, type, reason,
 * message) within `aggregateWindowMs` bumps the existing event's count instead of creating another,
 * and at most `maxInFlight` writes are pending at once (extra events are dropped and counted), so a
 * failing fleet cannot flood the API server. Writes are fire-and-forget; failures are emitted.
 */
export class KubeEventRecorder extends EventEmitter<{ error: [unknown]; dropped: [] }> {
  readonly #api: CoreV1Api;
  readonly #component: string;
  readonly #series = new Map<string, Series>();
  readonly #aggregateWindowMs: number;
  readonly #maxInFlight: number;
  #inFlight = 0;

  constructor(
    kc: KubeConfig,
    options: { component: string; aggregateWindowMs?: number; maxInFlight?: number },
  ) {
    super();
    this.#api = kc.makeApiClient(CoreV1Api);
    this.#component = options.component;
    this.#aggregateWindowMs = options.aggregateWindowMs ?? 600_000;
    this.#maxInFlight = options.maxInFlight ?? 16;
  }

  /** Records an event on `obj`; returns at once. */
  record(obj: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.#inFlight >= this.#maxInFlight) {
      this.emit('dropped');
      return;
    }
    this.#inFlight++;
    void this.#write(obj, type, reason, message.slice(0, 1024))
      .catch((error: unknown) => this.emit('error', error))
      .finally(() => this.#inFlight--);
  }

  /** Resolves once no write is pending (tests and shutdown). */
  async flush(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async #write(obj: EventSubject, type: string, reason: string, message: string): Promise<void> {
    const now = new Date();
    const key = `${obj.metadata.uid}\0${type}\0${reason}\0${message}`;
    this.#prune(now.getTime());
    const found = this.#series.get(key);
    const series = found && now.getTime() - found.at <= this.#aggregateWindowMs ? found : undefined;
    const namespace = obj.metadata.namespace;
    if (series) {
      series.count++;
      series.at = now.getTime();
      const body = { count: series.count, lastTimestamp: now.toISOString() };
      await this.#api.patchNamespacedEvent(
        { name: series.name, namespace, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    }
    const name = `${obj.metadata.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    const event: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#component,
    };
    this.#series.set(key, { name, count: 1, at: now.getTime() });
    await this.#api.createNamespacedEvent({ namespace, body: event });
  }

  #prune(now: number): void {
    if (this.#series.size < 1000) return;
    for (const [key, s] of this.#series)
      if (now - s.at > this.#aggregateWindowMs) this.#series.delete(key);
  }
}
