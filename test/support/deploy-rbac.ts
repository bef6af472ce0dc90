// RBAC against code: which Kubernetes API calls the controller makes, read from its sources, and
// what the rendered roles bound to a ServiceAccount grant.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KObject } from './deploy-manifests.ts';

/** One permission: `namespace: 'own'` is the controller's namespace (POD_NAMESPACE), 'any' is every one. */
export interface Permission {
  group: string;
  resource: string;
  verb: string;
  namespace: 'own' | 'any';
  /** The one object the call reads or writes, when the code names it. */
  name?: string;
}

/** A permission the code needs, with where the code needs it. */
export interface ApiCall extends Permission {
  where: string;
}

/** API group of each client-node API class the controller might use (CustomObjectsApi: from the call). */
const API_GROUPS: Record<string, string> = {
  CoreV1Api: '',
  CoordinationV1Api: 'coordination.k8s.io',
  AppsV1Api: 'apps',
  BatchV1Api: 'batch',
  PolicyV1Api: 'policy',
  NetworkingV1Api: 'networking.k8s.io',
  EventsV1Api: 'events.k8s.io',
  RbacAuthorizationV1Api: 'rbac.authorization.k8s.io',
  ApiextensionsV1Api: 'apiextensions.k8s.io',
};

/** client-node method verb prefix → RBAC verb. */
const VERBS: Record<string, string> = {
  read: 'get',
  list: 'list',
  create: 'create',
  replace: 'update',
  patch: 'patch',
  delete: 'delete',
  deleteCollection: 'deletecollection',
};

const METHOD =
  /^(read|list|create|replace|patch|deleteCollection|delete)(Namespaced|Cluster)?([A-Z]\w*?)(Status|Scale)?(ForAllNamespaces)?$/;

/** `Lease` → `leases`, `Policy` → `policies`, `Ingress` → `ingresses`. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

export interface SourceFile {
  file: string;
  text: string;
}

/** The .ts files of these folders (relative to `root`). */
export async function readSources(root: string, dirs: string[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const dir of dirs) {
    for (const entry of (await readdir(path.join(root, dir))).sort()) {
      if (!entry.endsWith('.ts')) continue;
      const file = path.join(dir, entry);
      files.push({ file, text: await readFile(path.join(root, file), 'utf8') });
    }
  }
  return files;
}

/**
 * Every API call in `sources`: calls on each `makeApiClient(SomeApi)` client (method name → verb,
 * resource; CustomObjectsApi → the `group:`/`plural:` constants of its file), and a watch for each
 * informer on each `/apis/${GROUP}/${VERSION}…/${PLURAL}` path. `constants` resolves identifiers;
 * `unknown` collects calls on API clients that this reading does not understand.
 */
export function deriveApiCalls(
  sources: SourceFile[],
  constants: Record<string, string>,
): { calls: ApiCall[]; unknown: string[] } {
  const calls: ApiCall[] = [];
  const unknown: string[] = [];
  const own = ownNamespaceClasses(sources);
  const resolve = (id: string) => constants[id] ?? `<unresolved ${id}>`;
  for (const { file, text } of sources) {
    const lineOf = (index: number) => text.slice(0, index).split('\n').length;
    const ownName = own.find((o) => new RegExp(`\\bclass ${o.className}\\b`).test(text))?.name;
    for (const client of text.matchAll(/([\w.#]+)\s*=\s*\w+\.makeApiClient\((\w+)\)/g)) {
      const [, receiver = '', apiClass = ''] = client;
      const escaped = receiver.replace(/[.#]/g, (ch) => `\\${ch}`);
      for (const call of text.matchAll(new RegExp(`${escaped}\\s*\\.\\s*(\\w+)\\s*\\(`, 'g'))) {
        const method = call[1] ?? '';
        const where = `${file}:${lineOf(call.index)} ${method}`;
        const m = METHOD.exec(method);
        const verb = VERBS[m?.[1] ?? ''];
        let group: string | undefined;
        let resource: string | undefined;
        if (apiClass === 'CustomObjectsApi') {
          const groups = new Set(
            [...text.matchAll(/\bgroup:\s*(\w+)/g)].map((g) => resolve(g[1] ?? '')),
          );
          const plurals = new Set(
            [...text.matchAll(/\bplural:\s*(\w+)/g)].map((g) => resolve(g[1] ?? '')),
          );
          if (groups.size === 1 && plurals.size === 1)
            [group, resource] = [[...groups][0], [...plurals][0]];
        } else if (m?.[3]) {
          group = API_GROUPS[apiClass];
          resource = pluralOf(m[3]);
        }
        if (!m || !verb || group === undefined || resource === undefined) {
          unknown.push(`${where} (on ${apiClass})`);
          continue;
        }
        const sub = m[4] ? `/${m[4].toLowerCase()}` : '';
        const namespaced = ownName !== undefined && m[2] === 'Namespaced';
        const named = namespaced && !['create', 'list', 'deletecollection'].includes(verb);
        calls.push({
          group,
          resource: resource + sub,
          verb,
          namespace: namespaced ? 'own' : 'any',
          ...(named ? { name: ownName } : {}),
          where,
        });
      }
    }
  }
  if (sources.some((s) => /\bmakeInformer\(|\bnew ListWatch\(/.test(s.text))) {
    for (const { file, text } of sources) {
      for (const p of text.matchAll(/`\/apis\/\$\{(\w+)\}\/\$\{\w+\}[^`]*\/\$\{(\w+)\}`/g)) {
        const [, group = '', plural = ''] = p;
        calls.push({
          group: resolve(group),
          resource: resolve(plural),
          verb: 'watch',
          namespace: 'any',
          where: `${file} informer on ${p[0]}`,
        });
      }
    }
  }
  return { calls, unknown };
}

/**
 * Classes constructed with `namespace: s.podNamespace, name: '<name>'` (the leader elector): their
 * calls stay in the controller's own namespace and, but for create and list, touch that one name.
 */
function ownNamespaceClasses(sources: SourceFile[]): { className: string; name: string }[] {
  const out: { className: string; name: string }[] = [];
  for (const { text } of sources) {
    for (const m of text.matchAll(/new (\w+)\([^;]*?\{([^}]*)\}/g)) {
      const body = m[2] ?? '';
      const name = /\bname:\s*'([^']+)'/.exec(body)?.[1];
      if (/\bnamespace:\s*\w+\.podNamespace\b/.test(body) && name && m[1])
        out.push({ className: m[1], name });
    }
  }
  return out;
}

/** One expanded rule of a role bound to a ServiceAccount: `namespace` undefined means cluster-wide. */
export interface Grant {
  group: string;
  resource: string;
  verb: string;
  names: string[];
  namespace?: string;
  role: string;
}

/** Everything the roles bound to `namespace/name` grant, one entry per group × resource × verb. */
export function grantsOf(objs: KObject[], sa: { namespace: string; name: string }): Grant[] {
  const grants: Grant[] = [];
  const boundTo = (b: KObject) =>
    (b.subjects ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace,
    );
  for (const b of objs.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
    if (!boundTo(b)) continue;
    const scope = b.kind === 'RoleBinding' ? b.metadata?.namespace : undefined;
    const role = objs.find(
      (o) =>
        o.kind === b.roleRef?.kind &&
        o.metadata?.name === b.roleRef?.name &&
        (o.kind === 'ClusterRole' || o.metadata?.namespace === scope),
    );
    for (const rule of role?.rules ?? [])
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? [])
            grants.push({
              group,
              resource,
              verb,
              names: rule.resourceNames ?? [],
              ...(scope ? { namespace: scope } : {}),
              role: `${role?.kind ?? '?'} ${role?.metadata?.name ?? '?'}`,
            });
  }
  return grants;
}

/** Whether `grant` allows `p` for a controller running in `ownNamespace`. */
export function allows(grant: Grant, p: Permission, ownNamespace: string): boolean {
  const any = (pattern: string, value: string) => pattern === '*' || pattern === value;
  return (
    any(grant.group, p.group) &&
    any(grant.resource, p.resource) &&
    any(grant.verb, p.verb) &&
    (grant.names.length === 0 || (p.name !== undefined && grant.names.includes(p.name))) &&
    (grant.namespace === undefined || (p.namespace === 'own' && grant.namespace === ownNamespace))
  );
}

/**
 * Whether `grant` is no wider than some need: same group, resource and verb, cluster-wide only for
 * calls in any namespace, and limited to the object's name when every such call names one.
 */
export function isNeeded(grant: Grant, needs: Permission[], ownNamespace: string): boolean {
  const same = needs.filter(
    (p) => p.group === grant.group && p.resource === grant.resource && p.verb === grant.verb,
  );
  return same.some((p) =>
    p.namespace === 'any'
      ? grant.namespace === undefined && grant.names.length === 0
      : grant.namespace === ownNamespace &&
        (p.name === undefined ? grant.names.length === 0 : grant.names.join() === p.name),
  );
}
