// The shape of a Wise2cIngressConfig as the reconciler reads and writes it (DESIGN.md "Custom resource").

export const GROUP = 'ingress.wise2c.com';
export const VERSION = 'v1';
export const PLURAL = 'wise2cingressconfigs';
export const KIND = 'Wise2cIngressConfig';
export const FINALIZER = 'ingress.wise2c.com/agents-cleanup';

export type AgentState = 'Synced' | 'Failed' | 'Pending';

/** One agent's outcome for a resource. */
export interface AgentStatus {
  name: string;
  state: AgentState;
  generation?: number;
  message?: string;
  lastAttemptTime?: string;
  lastSyncTime?: string;
}

/** A condition as the Kubernetes API conventions define it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface StatusSummary {
  targeted: number;
  synced: number;
  failed: number;
  pending: number;
}

export interface IngressStatus {
  observedGeneration?: number;
  syncedAgents?: string;
  summary?: StatusSummary;
  agents?: AgentStatus[];
  conditions?: Condition[];
}

/** A Wise2cIngressConfig as read from the API server; `spec` is unvalidated until the reconciler checks it. */
export interface IngressObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
  };
  spec?: unknown;
  status?: IngressStatus;
}

/** `namespace/name`, the work queue's key. */
export function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** The inverse of keyOf. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
