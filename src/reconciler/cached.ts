// The form in which the informer cache holds a Wise2cIngressConfig (client-go's SetTransform):
// what the controller reads of it and nothing else. Metadata it does not use (managedFields,
// annotations such as kubectl's last-applied-configuration) is dropped and status.agents is
// packed, so 10,000 resources × 100 agents cost a few MiB instead of hundreds.
import { PackedAgents } from './packed.ts';
import type { IngressObject, IngressStatus } from './types.ts';

/** A cached status: as the API server holds it, with `agents` packed into `packedAgents`. */
export interface CachedStatus extends Omit<IngressStatus, 'agents'> {
  /** Never set on a cached status: read `packedAgents`. */
  agents?: never;
  packedAgents?: PackedAgents;
}

/** A cached object: read-only, as every informer object. */
export interface CachedIngress extends Omit<IngressObject, 'status'> {
  status?: CachedStatus;
}

const OPTIONAL_METADATA = [
  'generation',
  'resourceVersion',
  'deletionTimestamp',
  'finalizers',
  'labels',
] as const;

/** The cache form of an object read from the API server (a list item or a watch event's object). */
export function toCached(obj: IngressObject): CachedIngress {
  const m = obj.metadata;
  const metadata: IngressObject['metadata'] = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
  };
  for (const field of OPTIONAL_METADATA) {
    if (m[field] !== undefined) (metadata as Record<string, unknown>)[field] = m[field];
  }
  const cached: CachedIngress = { metadata };
  if (obj.apiVersion !== undefined) cached.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) cached.kind = obj.kind;
  if (obj.spec !== undefined) cached.spec = obj.spec;
  if (obj.status) {
    const { agents, ...rest } = obj.status;
    cached.status = agents ? { ...rest, packedAgents: PackedAgents.pack(agents) } : rest;
  }
  return cached;
}

/** The agent entries of a status, cached or not. */
export function statusAgents(
  status: CachedStatus | IngressStatus | undefined,
): PackedAgents | undefined {
  if (!status) return undefined;
  if ('packedAgents' in status && status.packedAgents) return status.packedAgents;
  return status.agents ? PackedAgents.pack(status.agents) : undefined;
}
