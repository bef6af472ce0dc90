// Discovery: /version, /api, /apis and each group/version, in the legacy shapes and the
// aggregated one (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) kubectl 1.32 asks for first.
import { parseAccept } from './content.ts';
import { groupVersion, type Registry, type ResourceType } from './resources.ts';
import type { Obj } from './schema.ts';

/** The Kubernetes version local-kube answers as (kubectl 1.32's own minor, so no skew warning). */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-local-kube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** Kubernetes version order: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage === 3 ? 3 : stage, Number(m[1]), Number(m[3] ?? 0), v];
  };
  const [sa, ma, na, ta] = rank(a);
  const [sb, mb, nb, tb] = rank(b);
  return sb - sa || mb - ma || nb - na || ta.localeCompare(tb);
}

/** group → versions (preferred first) → resources. */
function groups(registry: Registry): Map<string, Map<string, ResourceType[]>> {
  const out = new Map<string, Map<string, ResourceType[]>>();
  for (const t of registry.all()) {
    let versions = out.get(t.group);
    if (!versions) out.set(t.group, (versions = new Map<string, ResourceType[]>()));
    versions.set(t.version, [...(versions.get(t.version) ?? []), t]);
  }
  for (const [g, versions] of out)
    out.set(
      g,
      new Map<string, ResourceType[]>([...versions].sort(([a], [b]) => compareVersions(a, b))),
    );
  return out;
}

/** The aggregated discovery document for /api (`legacy`) or /apis, in apidiscovery `version`. */
export function aggregated(registry: Registry, legacy: boolean, version: 'v2' | 'v2beta1'): Obj {
  const items = [...groups(registry)]
    .filter(([g]) => (g === '') === legacy)
    .map(([g, versions]) => ({
      metadata: { name: g, creationTimestamp: null },
      versions: [...versions].map(([v, types]) => ({
        version: v,
        resources: types.map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: VERBS,
          ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length > 0 ? { categories: t.categories } : {}),
          ...(t.status
            ? {
                subresources: [
                  {
                    subresource: 'status',
                    responseKind: { group: t.group, version: t.version, kind: t.kind },
                    verbs: STATUS_VERBS,
                  },
                ],
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (
      m.type === 'application/json' &&
      m.params.g === 'apidiscovery.k8s.io' &&
      m.params.as === 'APIGroupDiscoveryList'
    ) {
      if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
      continue;
    }
    if (m.params.as === undefined) return undefined;
  }
  return undefined;
}

/** Legacy /api. */
export function apiVersions(serverAddress: string): Obj {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Legacy /apis. */
export function apiGroupList(registry: Registry): Obj {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(registry)]
      .filter(([g]) => g !== '')
      .map(([g, v]) => apiGroup(g, [...v.keys()])),
  };
}

/** Legacy /apis/<group>; undefined when not served. */
export function apiGroupDoc(registry: Registry, group: string): Obj | undefined {
  const versions = groups(registry).get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, [...versions.keys()]) };
}

function apiGroup(name: string, versions: string[]): Obj {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** Legacy /api/v1 or /apis/<group>/<version>; undefined when not served. */
export function apiResourceList(
  registry: Registry,
  group: string,
  version: string,
): Obj | undefined {
  const types = groups(registry).get(group)?.get(version);
  if (!types) return undefined;
  const resources: Obj[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    });
    if (t.status)
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: STATUS_VERBS,
      });
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}
