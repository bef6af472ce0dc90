// What the reconciler needs from the world, as interfaces: the controller passes the real
// Kubernetes, RPC and registry adapters; unit tests pass the fakes of test/support/.
import type { IngressConfig } from '../spec/index.ts';
import type { AgentInfo } from './targets.ts';
import type { CachedIngress } from './cached.ts';
import type { IngressObject, IngressStatus } from './types.ts';

/** The informer cache: read-only objects in their cache form (see cached.ts), never mutated. */
export interface IngressCache {
  get(key: string): CachedIngress | undefined;
  list(): readonly CachedIngress[];
}

/** Writes to the API server. A stale resourceVersion rejects with an error whose `code` is 409. */
export interface IngressWriter {
  /** Merge-patches `/status`. */
  patchStatus(obj: IngressObject, status: IngressStatus): Promise<void>;
  /** Replaces metadata.finalizers, with obj's resourceVersion as a precondition. */
  setFinalizers(obj: IngressObject, finalizers: string[]): Promise<void>;
}

/** Kubernetes Events on a resource; the implementation aggregates repeats. */
export interface EventRecorder {
  record(obj: IngressObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The RPC calls to one agent; failures reject with an Error (an RpcError from src/rpc). */
export interface AgentPusher {
  set(agent: string, config: IngressConfig): Promise<{ generation: number }>;
  del(agent: string, ref: { uid: string; namespace: string; name: string }): Promise<void>;
}

/** The live agents, as the roster watcher last saw them. */
export interface LiveAgents {
  list(): readonly AgentInfo[];
}

export interface Clock {
  now(): Date;
}
