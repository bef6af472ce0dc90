import { ingressConfigSchema, ingressSpecSchema, type IngressConfig } from '../spec/index.ts';
import { selectorMatches } from './targets.ts';
import type { IngressObject } from './types.ts';

/** The complete set of configs an agent with these labels should hold: valid, not being deleted, selected. */
export function configsForAgent(
  objects: readonly IngressObject[],
  labels: Record<string, string>,
): IngressConfig[] {
  const configs: IngressConfig[] = [];
  for (const obj of objects) {
    if (obj.metadata.deletionTimestamp || unservableName(obj) !== undefined) continue;
    const parsed = ingressSpecSchema.safeParse(obj.spec);
    if (!parsed.success || !selectorMatches(parsed.data.agentSelector, labels)) continue;
    configs.push({
      uid: obj.metadata.uid,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      generation: obj.metadata.generation ?? 1,
      spec: parsed.data,
    });
  }
  return configs;
}

/** What, of an object, decides whether it needs a reconcile: not status, not labels. */
export function reconcileSignature(obj: IngressObject): string {
  const m = obj.metadata;
  return `${m.uid}|${m.generation ?? 0}|${m.deletionTimestamp ?? ''}|${(m.finalizers ?? []).join(',')}`;
}

/**
 * Why agents cannot take this object whatever its spec, if so: Kubernetes allows a name part
 * (between dots) up to 253 characters, the RPC contract and the agents' file names only 63.
 * Sending it anyway would fail every push and every agent's GetIngressConfigs.
 */
export function unservableName(obj: IngressObject): string | undefined {
  const { namespace, name } = ingressConfigSchema.shape;
  const rule = 'agents take only names whose dot-separated parts are 1 to 63 characters';
  if (!namespace.safeParse(obj.metadata.namespace).success) return `metadata.namespace: ${rule}`;
  if (!name.safeParse(obj.metadata.name).success) return `metadata.name: ${rule}`;
  return undefined;
}
