// A structural checker for rendered manifests: each object is of a known kind with the fields its
// kind requires, and every reference between objects (selectors, probe ports, Secrets, volumes,
// ServiceAccounts, roles) resolves. Returns problems as sentences; an empty list means sound.
import {
  containersOf,
  isWorkload,
  podSpec,
  selects,
  secretValues,
  type Container,
  type KObject,
  type Probe,
  type Workload,
} from './deploy-manifests.ts';

/** Every kind deploy/ may render, with its apiVersion and whether it lives in a namespace. */
export const KNOWN_KINDS: Record<string, { apiVersion: string; namespaced: boolean }> = {
  Namespace: { apiVersion: 'v1', namespaced: false },
  CustomResourceDefinition: { apiVersion: 'apiextensions.k8s.io/v1', namespaced: false },
  ServiceAccount: { apiVersion: 'v1', namespaced: true },
  Secret: { apiVersion: 'v1', namespaced: true },
  ConfigMap: { apiVersion: 'v1', namespaced: true },
  Service: { apiVersion: 'v1', namespaced: true },
  ClusterRole: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: false },
  ClusterRoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: false },
  Role: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', namespaced: true },
  DaemonSet: { apiVersion: 'apps/v1', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', namespaced: true },
  PodDisruptionBudget: { apiVersion: 'policy/v1', namespaced: true },
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const ENV_REF = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

/** The problems of a rendered set of objects; [] when every check holds. */
export function checkObjects(objs: KObject[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const obj of objs) {
    const id = `${obj.kind ?? '?'} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? '?'}`;
    const say = (what: string) => problems.push(`${id}: ${what}`);
    const known = KNOWN_KINDS[obj.kind ?? ''];
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      say('needs apiVersion, kind and metadata.name');
      continue;
    }
    if (!known) {
      say(`kind ${obj.kind} is not one deploy/ is expected to render`);
      continue;
    }
    if (obj.apiVersion !== known.apiVersion) say(`apiVersion must be ${known.apiVersion}`);
    if (!DNS_SUBDOMAIN.test(obj.metadata.name)) say('name is not a DNS-1123 subdomain');
    const ns = obj.metadata.namespace;
    if (known.namespaced && !ns) say('is namespaced but has no metadata.namespace');
    if (known.namespaced && ns && !has(objs, 'Namespace', ns) && ns !== 'default')
      say(`namespace ${ns} is not rendered`);
    if (!known.namespaced && ns) say('is cluster-scoped but has metadata.namespace');
    if (seen.has(id)) say('is rendered twice');
    seen.add(id);
    if (isWorkload(obj)) checkWorkload(objs, obj, say);
    else if (obj.kind === 'Service') checkService(objs, obj, say);
    else if (obj.kind === 'PodDisruptionBudget') checkPdb(objs, obj, say);
    else if (obj.kind === 'RoleBinding' || obj.kind === 'ClusterRoleBinding')
      checkBinding(objs, obj, say);
    else if (obj.kind === 'Role' || obj.kind === 'ClusterRole') checkRole(obj, say);
    else if (obj.kind === 'Secret') checkSecret(obj, say);
    else if (obj.kind === 'CustomResourceDefinition') checkCrd(obj, say);
  }
  return problems;
}

function has(objs: KObject[], kind: string, name: string, namespace?: string): boolean {
  return objs.some(
    (o) =>
      o.kind === kind &&
      o.metadata?.name === name &&
      (namespace === undefined || o.metadata?.namespace === namespace),
  );
}

function checkWorkload(objs: KObject[], w: Workload, say: (what: string) => void): void {
  const ns = w.metadata?.namespace;
  const labels = w.spec.template?.metadata?.labels;
  if (!selects(w.spec.selector?.matchLabels, labels))
    say('spec.selector.matchLabels must be non-empty and match the pod template labels');
  const spec = podSpec(w);
  if ((spec.containers ?? []).length === 0) say('has no containers');
  if (w.kind !== 'DaemonSet' && (w.spec.replicas ?? 1) < 1) say('has no replicas');
  const sa = spec.serviceAccountName;
  if (sa && sa !== 'default' && !has(objs, 'ServiceAccount', sa, ns))
    say(`serviceAccountName ${sa} is not rendered`);
  if (w.kind === 'StatefulSet') {
    const svc = objs.find(
      (o) =>
        o.kind === 'Service' &&
        o.metadata?.name === w.spec.serviceName &&
        o.metadata?.namespace === ns,
    );
    if (svc?.spec?.clusterIP !== 'None')
      say(`serviceName ${w.spec.serviceName ?? '(none)'} must be a rendered headless Service`);
  }
  const volumes = new Set([
    ...(spec.volumes ?? []).map((v) => v.name),
    ...(w.spec.volumeClaimTemplates ?? []).map((v) => v.metadata?.name),
  ]);
  for (const v of spec.volumes ?? []) {
    if (v.secret && !has(objs, 'Secret', v.secret.secretName ?? '', ns))
      say(`volume ${v.name ?? '?'} names Secret ${v.secret.secretName ?? '?'}, not rendered`);
    if (v.configMap && !has(objs, 'ConfigMap', v.configMap.name ?? '', ns))
      say(`volume ${v.name ?? '?'} names ConfigMap ${v.configMap.name ?? '?'}, not rendered`);
  }
  for (const c of containersOf(w))
    checkContainer(objs, ns, c, volumes, (what) => say(`container ${c.name ?? '?'}: ${what}`));
}

function checkContainer(
  objs: KObject[],
  ns: string | undefined,
  c: Container,
  volumes: Set<string | undefined>,
  say: (what: string) => void,
): void {
  if (!c.name || !c.image) say('needs a name and an image');
  const names = (c.ports ?? []).map((p) => p.name).filter(Boolean);
  if (new Set(names).size !== names.length) say('port names repeat');
  for (const [kind, probe] of Object.entries({
    liveness: c.livenessProbe,
    readiness: c.readinessProbe,
    startup: c.startupProbe,
  })) {
    const port = probePort(probe);
    if (port === undefined) continue;
    const exists = (c.ports ?? []).some((p) =>
      typeof port === 'string' ? p.name === port : p.containerPort === port,
    );
    if (!exists) say(`${kind} probe port ${port} is not a container port`);
  }
  if (!c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory)
    say('needs resources.requests (cpu, memory) and resources.limits.memory');
  const defined: string[] = [];
  for (const v of c.env ?? []) {
    if (defined.includes(v.name)) say(`env ${v.name} is set twice`);
    const refs = [...(v.value ?? '').matchAll(ENV_REF)].map((m) => m[1]);
    for (const ref of refs)
      if (ref && !defined.includes(ref)) say(`env ${v.name} uses $(${ref}) before it is defined`);
    defined.push(v.name);
    const key = v.valueFrom?.secretKeyRef ?? v.valueFrom?.configMapKeyRef;
    if (!key || key.optional) continue;
    const kind = v.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const source = objs.find(
      (o) => o.kind === kind && o.metadata?.name === key.name && o.metadata?.namespace === ns,
    );
    if (!source) say(`env ${v.name} names ${kind} ${key.name ?? '?'}, not rendered`);
    else if (!((key.key ?? '') in secretValues(source)))
      say(`env ${v.name}: ${kind} ${key.name ?? '?'} has no key ${key.key ?? '?'}`);
  }
  for (const arg of [...(c.command ?? []), ...(c.args ?? [])])
    for (const m of arg.matchAll(ENV_REF))
      if (m[1] && !defined.includes(m[1])) say(`argument uses $(${m[1]}), not in env`);
  for (const m of c.volumeMounts ?? [])
    if (!volumes.has(m.name)) say(`volumeMount ${m.name ?? '?'} names no volume`);
}

function probePort(probe: Probe | undefined): string | number | undefined {
  return probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
}

/** The workloads in `ns` whose pods `selector` selects. */
function selected(objs: KObject[], ns: string | undefined, selector: unknown): Workload[] {
  return objs
    .filter(isWorkload)
    .filter(
      (w) =>
        w.metadata?.namespace === ns &&
        selects(selector as Record<string, string>, w.spec.template?.metadata?.labels),
    );
}

function checkService(objs: KObject[], svc: KObject, say: (what: string) => void): void {
  const spec = svc.spec as {
    selector?: Record<string, string>;
    ports?: { name?: string; port?: number; targetPort?: string | number }[];
  };
  const pods = selected(objs, svc.metadata?.namespace, spec.selector);
  if (pods.length === 0) say('selects no rendered pods');
  if ((spec.ports ?? []).length === 0) say('has no ports');
  for (const p of spec.ports ?? []) {
    const target = p.targetPort ?? p.port;
    const served = pods.some((w) =>
      containersOf(w).some((c) =>
        (c.ports ?? []).some((cp) =>
          typeof target === 'string' ? cp.name === target : cp.containerPort === target,
        ),
      ),
    );
    if (!served)
      say(`port ${p.name ?? p.port ?? '?'} targets ${target ?? '?'}, no selected container port`);
  }
}

function checkPdb(objs: KObject[], pdb: KObject, say: (what: string) => void): void {
  const selector = (pdb.spec?.selector as { matchLabels?: unknown } | undefined)?.matchLabels;
  if (selected(objs, pdb.metadata?.namespace, selector).length === 0)
    say('selects no rendered pods');
  if (pdb.spec?.minAvailable === undefined && pdb.spec?.maxUnavailable === undefined)
    say('needs minAvailable or maxUnavailable');
}

function checkBinding(objs: KObject[], b: KObject, say: (what: string) => void): void {
  const ref = b.roleRef;
  const ns = ref?.kind === 'Role' ? b.metadata?.namespace : undefined;
  if (
    ref?.apiGroup !== 'rbac.authorization.k8s.io' ||
    !has(objs, ref.kind ?? '', ref.name ?? '', ns)
  )
    say(`roleRef ${ref?.kind ?? '?'} ${ref?.name ?? '?'} is not rendered`);
  if ((b.subjects ?? []).length === 0) say('has no subjects');
  for (const s of b.subjects ?? [])
    if (s.kind === 'ServiceAccount' && !has(objs, 'ServiceAccount', s.name ?? '', s.namespace))
      say(`subject ServiceAccount ${s.namespace ?? '?'}/${s.name ?? '?'} is not rendered`);
}

function checkRole(role: KObject, say: (what: string) => void): void {
  if ((role.rules ?? []).length === 0) say('has no rules');
  for (const r of role.rules ?? [])
    if (!r.apiGroups?.length || !r.resources?.length || !r.verbs?.length)
      say('every rule needs apiGroups, resources and verbs');
}

function checkSecret(secret: KObject, say: (what: string) => void): void {
  for (const [k, v] of Object.entries(secret.data ?? {}))
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) say(`data.${k} is not base64`);
}

function checkCrd(crd: KObject, say: (what: string) => void): void {
  const spec = crd.spec as { group?: string; names?: { plural?: string } };
  if (crd.metadata?.name !== `${spec.names?.plural ?? '?'}.${spec.group ?? '?'}`)
    say('name must be <plural>.<group>');
}
