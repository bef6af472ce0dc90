// deploy/: every kustomization renders, every object is sound, the pods are locked down, the
// credentials are never guest/guest, and RBAC is exactly what the controller's code calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as types from '../../src/reconciler/types.ts';
import { checkObjects } from '../support/deploy-check.ts';
import {
  ROOT,
  containersOf,
  find,
  hasTool,
  isWorkload,
  podSpec,
  render,
  resolvedEnv,
  secretValues,
  workloadRunning,
  type KObject,
  type Workload,
} from '../support/deploy-manifests.ts';
import {
  allows,
  deriveApiCalls,
  grantsOf,
  isNeeded,
  readSources,
  type Permission,
} from '../support/deploy-rbac.ts';

test('kubectl is installed: deploy/ is rendered with kubectl kustomize', async () => {
  assert.ok(await hasTool('kubectl'), 'kubectl is not on PATH; install kubectl 1.27 or newer');
});

const NAMESPACE = 'wise2c-ingress';

/** Renders base, crds, kind, and production with throwaway credentials (it needs files we never commit). */
async function renderAll(): Promise<Record<string, KObject[]>> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'w2i-deploy-'));
  try {
    await cp(path.join(ROOT, 'deploy'), path.join(tmp, 'deploy'), { recursive: true });
    const secrets = path.join(tmp, 'deploy/overlays/production/secrets');
    await mkdir(secrets, { recursive: true });
    await writeFile(
      path.join(secrets, 'rabbitmq.env'),
      'username=prod-user\npassword=prod-amqp-pw\n',
    );
    await writeFile(path.join(secrets, 'redis.env'), 'password=prod-redis-pw\n');
    const at = (dir: string) => render(path.join(tmp, 'deploy', dir));
    return {
      crds: await at('crds'),
      base: await at('base'),
      kind: await at('overlays/kind'),
      production: await at('overlays/production'),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

let cached: Promise<Record<string, KObject[]>> | undefined;
const renders = () => (cached ??= renderAll());
const installs = async () => {
  const all = await renders();
  return { base: all.base ?? [], kind: all.kind ?? [], production: all.production ?? [] };
};

test('kubectl kustomize renders deploy/crds, the base and every overlay', async () => {
  const all = await renders();
  assert.deepEqual(Object.keys(all), ['crds', 'base', 'kind', 'production']);
  for (const [name, objs] of Object.entries(all))
    assert.ok(objs.length > 0, `${name} renders objects`);
  assert.deepEqual(
    all.crds?.map((o) => o.kind),
    ['CustomResourceDefinition'],
  );
  const kinds = new Set(all.kind?.map((o) => o.kind));
  for (const kind of [
    'Namespace',
    'CustomResourceDefinition',
    'Deployment',
    'DaemonSet',
    'StatefulSet',
  ])
    assert.ok(kinds.has(kind), `the kind overlay renders a ${kind}`);
});

test('deploy/crds holds crds/wise2cingressconfigs.yaml byte for byte', async () => {
  const [source, copy] = await Promise.all([
    readFile(path.join(ROOT, 'crds/wise2cingressconfigs.yaml'), 'utf8'),
    readFile(path.join(ROOT, 'deploy/crds/wise2cingressconfigs.yaml'), 'utf8'),
  ]);
  assert.ok(
    source === copy,
    'deploy/crds/wise2cingressconfigs.yaml differs from crds/: cp crds/wise2cingressconfigs.yaml deploy/crds/',
  );
});

test('every rendered object is of a known kind with the fields and references its kind requires', async () => {
  for (const [name, objs] of Object.entries(await renders()))
    assert.deepEqual(checkObjects(objs), [], `problems in ${name}`);
});

test('the structural checker reports broken objects', async () => {
  const good = (await installs()).kind;
  const broken = structuredClone(good);
  const controller = workloadRunning(broken, 'controller');
  const c = controller.spec.template?.spec?.containers?.[0];
  assert.ok(c?.readinessProbe?.httpGet && c.env);
  c.readinessProbe.httpGet.port = 'metrics';
  c.env.unshift({ name: 'EARLY', value: '$(AMQP_PASSWORD)' });
  c.env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } });
  controller.spec.selector = { matchLabels: { app: 'other' } };
  find(broken, 'Service', 'redis').spec = { selector: { app: 'nothing' }, ports: [{ port: 1 }] };
  broken.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NAMESPACE } });
  const problems = checkObjects(broken).join('\n');
  for (const expected of [
    /wise2c-ingress-controller: spec.selector.matchLabels must be non-empty and match/,
    /readiness probe port metrics is not a container port/,
    /env EARLY uses \$\(AMQP_PASSWORD\) before it is defined/,
    /env X names Secret nope, not rendered/,
    /Service wise2c-ingress\/redis: selects no rendered pods/,
    /Pod wise2c-ingress\/stray: kind Pod is not one deploy\/ is expected to render/,
  ])
    assert.match(problems, expected);
  assert.deepEqual(checkObjects(good), []);
});

test('the controller: 2 replicas spread over nodes, PDB, probes on 8080, POD_NAMESPACE, resources', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    const w = workloadRunning(objs, 'controller');
    const spec = podSpec(w);
    const c = spec.containers?.[0];
    assert.equal(w.kind, 'Deployment', name);
    assert.equal(w.spec.replicas, 2, name);
    assert.deepEqual(
      spec.topologySpreadConstraints?.map((t) => t.topologyKey),
      ['kubernetes.io/hostname'],
    );
    assert.deepEqual(
      spec.topologySpreadConstraints?.[0]?.labelSelector?.matchLabels,
      w.spec.selector?.matchLabels,
    );
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget');
    assert.deepEqual(
      (pdb?.spec?.selector as { matchLabels?: unknown }).matchLabels,
      w.spec.selector?.matchLabels,
    );
    assert.equal(pdb?.spec?.minAvailable, 1);
    assert.deepEqual(c?.ports, [{ name: 'http', containerPort: 8080 }]);
    assert.equal(c?.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c?.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c?.livenessProbe?.httpGet?.port, 'http');
    assert.equal(c?.readinessProbe?.httpGet?.port, 'http');
    const env = new Map(c?.env?.map((v) => [v.name, v]));
    assert.equal(env.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
    assert.equal(env.get('HTTP_PORT')?.value, '8080');
    assert.ok(c?.resources?.limits?.cpu && c.resources.limits.memory && c.resources.requests?.cpu);
    assert.equal(spec.serviceAccountName, 'wise2c-ingress-controller');
  }
});

function assertLockedDown(w: Workload, where: string): void {
  const spec = podSpec(w);
  assert.equal(spec.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
  assert.ok((spec.securityContext?.runAsUser ?? 0) > 0, `${where}: a non-root uid`);
  assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
  assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, `${where}: no host namespaces`);
  for (const c of containersOf(w)) {
    const sc = c.securityContext;
    assert.equal(
      sc?.allowPrivilegeEscalation,
      false,
      `${where}/${c.name}: no privilege escalation`,
    );
    assert.equal(sc?.readOnlyRootFilesystem, true, `${where}/${c.name}: read-only root`);
    assert.notEqual(sc?.privileged, true, `${where}/${c.name}: not privileged`);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${where}/${c.name}: drops ALL`);
    // A capability only to bind a port below 1024 inside the pod; the agent listens on 8080.
    const binds = (c.ports ?? []).some((p) => (p.containerPort ?? 0) < 1024);
    assert.deepEqual(
      sc?.capabilities?.add ?? [],
      binds ? ['NET_BIND_SERVICE'] : [],
      `${where}/${c.name}: capabilities`,
    );
  }
}

test('the controller and the agent run non-root, read-only, no privilege escalation, no capabilities, seccomp', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    assertLockedDown(workloadRunning(objs, 'controller'), `${name} controller`);
    assertLockedDown(workloadRunning(objs, 'agent'), `${name} agent`);
  }
});

test('the agent: a DaemonSet on edge nodes, nginx on hostPort 80, named after its node, writable nginx dir', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    const w = workloadRunning(objs, 'agent');
    const spec = podSpec(w);
    const c = spec.containers?.[0];
    assert.equal(w.kind, 'DaemonSet', name);
    assert.deepEqual(spec.nodeSelector, { 'ingress.wise2c.com/edge': 'true' });
    assert.equal(spec.automountServiceAccountToken, false, 'the agent uses no Kubernetes API');
    const env = resolvedEnv(objs, NAMESPACE, c ?? {});
    const raw = new Map(c?.env?.map((v) => [v.name, v]));
    assert.equal(raw.get('AGENT_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.equal(env.get('AGENT_APPLIER'), 'nginx');
    assert.equal(env.get('AGENT_LABELS'), 'zone=edge');
    const port = c?.ports?.find((p) => p.name === 'http');
    assert.equal(String(port?.containerPort), env.get('NGINX_HTTP_PORT'));
    assert.equal(port?.hostPort, 80);
    const confDir = env.get('NGINX_CONF_DIR') ?? '';
    const mount = c?.volumeMounts?.find((m) => confDir.startsWith(`${m.mountPath ?? '?'}/`));
    const volume = spec.volumes?.find((v) => v.name === mount?.name);
    assert.ok(
      volume?.emptyDir !== undefined && !mount?.readOnly,
      'NGINX_CONF_DIR is on a writable emptyDir',
    );
  }
});

test('no Secret holds guest/guest; brokers and clients take their credentials from Secrets', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    for (const secret of objs.filter((o) => o.kind === 'Secret')) {
      const values = Object.values(secretValues(secret));
      assert.ok(!values.includes('guest'), `${name}: ${secret.metadata?.name ?? '?'} holds guest`);
      assert.ok(!values.some((v) => v.includes('guest:guest')), `${name}: guest:guest`);
    }
    const rabbit = find<Workload>(objs, 'StatefulSet', 'rabbitmq');
    const rabbitEnv = resolvedEnv(objs, NAMESPACE, podSpec(rabbit).containers?.[0] ?? {});
    const user = rabbitEnv.get('RABBITMQ_DEFAULT_USER') ?? '';
    const pass = rabbitEnv.get('RABBITMQ_DEFAULT_PASS') ?? '';
    assert.ok(
      user && pass && user !== 'guest' && pass !== 'guest',
      `${name}: RabbitMQ user from a Secret`,
    );
    assert.match(pass, /^[A-Za-z0-9._~-]{12,}$/, `${name}: a long, URL-safe RabbitMQ password`);
    const redis = find<Workload>(objs, 'Deployment', 'redis');
    const redisC = podSpec(redis).containers?.[0] ?? {};
    const redisPass = resolvedEnv(objs, NAMESPACE, redisC).get('REDIS_PASSWORD') ?? '';
    assert.match(redisPass, /^[A-Za-z0-9._~-]{8,}$/, `${name}: a URL-safe Redis password`);
    const args = redisC.args ?? [];
    assert.equal(args[args.indexOf('--requirepass') + 1], '$(REDIS_PASSWORD)');
    for (const sub of ['controller', 'agent']) {
      const c = podSpec(workloadRunning(objs, sub)).containers?.[0] ?? {};
      const env = resolvedEnv(objs, NAMESPACE, c);
      assert.equal(env.get('AMQP_URL'), `amqp://${user}:${pass}@rabbitmq:5672`, `${name} ${sub}`);
      for (const v of c.env ?? [])
        if (/PASSWORD|_URL$/.test(v.name)) assert.ok(!v.value?.includes('guest'));
    }
    const controllerEnv = resolvedEnv(
      objs,
      NAMESPACE,
      podSpec(workloadRunning(objs, 'controller')).containers?.[0] ?? {},
    );
    assert.equal(controllerEnv.get('REDIS_URL'), `redis://:${redisPass}@redis:6379`, name);
  }
});

test('production replaces the development credentials and does not render without its own', async () => {
  const { base, production } = await installs();
  const creds = (objs: KObject[]) =>
    objs.filter((o) => o.kind === 'Secret').map((s) => secretValues(s));
  assert.deepEqual(creds(production), [
    { username: 'prod-user', password: 'prod-amqp-pw' },
    { password: 'prod-redis-pw' },
  ]);
  assert.notDeepEqual(creds(base), creds(production));
  assert.equal(
    workloadRunning(production, 'controller').spec.template?.spec?.containers?.[0]?.image,
    'registry.example.com/wise2c-ingress:0.1.0',
  );
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'w2i-deploy-'));
  try {
    await cp(path.join(ROOT, 'deploy'), tmp, { recursive: true });
    await rm(path.join(tmp, 'overlays/production/secrets'), { recursive: true, force: true });
    await assert.rejects(render(path.join(tmp, 'overlays/production')), /secrets\/rabbitmq\.env/);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('the kind overlay runs the locally loaded image wise2c-ingress:dev, never pulled', async () => {
  const { kind } = await installs();
  for (const sub of ['controller', 'agent']) {
    const c = podSpec(workloadRunning(kind, sub)).containers?.[0];
    assert.equal(c?.image, 'wise2c-ingress:dev');
    assert.equal(c?.imagePullPolicy, 'IfNotPresent');
  }
});

// RBAC: what the controller calls, read from src/kube and src/reconciler, against what deploy/ grants.
const constants: Record<string, string> = {};
for (const [key, value] of Object.entries(types))
  if (typeof value === 'string') constants[key] = value;
const derived = deriveApiCalls(await readSources(ROOT, ['src/kube', 'src/reconciler']), constants);
/** Granted though no call needs it, each with its reason (and nothing else may be). */
const DECLARED_EXTRAS: (Permission & { reason: string })[] = [
  {
    group: types.GROUP,
    resource: `${types.PLURAL}/finalizers`,
    verb: 'update',
    namespace: 'any',
    reason:
      'the customary grant of a finalizer-owning controller (OwnerReferencesPermissionEnforcement)',
  },
];

test('the controller API calls are read from its code, each one understood', () => {
  assert.deepEqual(derived.unknown, [], 'calls on a client-node API this test cannot map to RBAC');
  const summary = new Set(
    derived.calls.map((c) => `${c.verb} ${c.group}/${c.resource} ${c.namespace}`),
  );
  // Anchors that prove the reading works; the full list is whatever the code holds.
  for (const anchor of [
    `watch ${types.GROUP}/${types.PLURAL} any`,
    `patch ${types.GROUP}/${types.PLURAL}/status any`,
    'create /events any',
    'update coordination.k8s.io/leases own',
  ])
    assert.ok(summary.has(anchor), `derived calls include ${anchor}: ${[...summary].join(', ')}`);
});

test('RBAC allows every API call the controller makes', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    const sa = {
      namespace: NAMESPACE,
      name: podSpec(workloadRunning(objs, 'controller')).serviceAccountName ?? 'default',
    };
    const grants = grantsOf(objs, sa);
    const denied = derived.calls.filter((call) => !grants.some((g) => allows(g, call, NAMESPACE)));
    assert.deepEqual(
      denied.map((c) => c.where),
      [],
      `${name}: calls RBAC denies`,
    );
  }
});

test('RBAC grants nothing the controller does not use (least privilege)', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    const grants = grantsOf(objs, { namespace: NAMESPACE, name: 'wise2c-ingress-controller' });
    const needs = [...derived.calls, ...DECLARED_EXTRAS];
    const unused = grants.filter((g) => !isNeeded(g, needs, NAMESPACE));
    assert.deepEqual(unused, [], `${name}: grants no call needs`);
    for (const rule of objs.flatMap((o) => o.rules ?? []))
      assert.ok(
        ![...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].includes(
          '*',
        ),
        'no wildcards',
      );
  }
});

test('only the controller ServiceAccount is bound to any role; other pods mount no token', async () => {
  for (const [name, objs] of Object.entries(await installs())) {
    const subjects = objs
      .filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
      .flatMap((b) =>
        (b.subjects ?? []).map((s) => `${s.kind ?? '?'} ${s.namespace ?? '?'}/${s.name ?? '?'}`),
      );
    assert.deepEqual(
      [...new Set(subjects)],
      [`ServiceAccount ${NAMESPACE}/wise2c-ingress-controller`],
      name,
    );
    for (const w of objs.filter(isWorkload))
      if (w !== workloadRunning(objs, 'controller'))
        assert.equal(
          podSpec(w).automountServiceAccountToken,
          false,
          `${name}: ${w.metadata?.name ?? '?'}`,
        );
  }
});

test('the RBAC checks catch a missing grant, an extra verb and a widened Lease rule', async () => {
  const { kind } = await installs();
  const sa = { namespace: NAMESPACE, name: 'wise2c-ingress-controller' };
  const needs = [...derived.calls, ...DECLARED_EXTRAS];
  const mutate = (change: (objs: KObject[]) => void) => {
    const objs = structuredClone(kind);
    change(objs);
    const grants = grantsOf(objs, sa);
    return {
      denied: derived.calls
        .filter((c) => !grants.some((g) => allows(g, c, NAMESPACE)))
        .map((c) => `${c.verb} ${c.resource}`),
      unused: grants
        .filter((g) => !isNeeded(g, needs, NAMESPACE))
        .map((g) => `${g.verb} ${g.resource} ${g.namespace ?? '*'}`),
    };
  };
  const clusterRole = (objs: KObject[]) => find(objs, 'ClusterRole', 'wise2c-ingress-controller');
  const leaseRole = (objs: KObject[]) =>
    find(objs, 'Role', 'wise2c-ingress-controller-leader-election');
  assert.deepEqual(
    mutate(
      (objs) =>
        (clusterRole(objs).rules = clusterRole(objs).rules?.filter(
          (r) => !r.resources?.includes('events'),
        )),
    ).denied,
    ['patch events', 'create events'],
  );
  assert.deepEqual(
    mutate((objs) => clusterRole(objs).rules?.[0]?.verbs?.push('get', 'delete')).unused,
    [`get ${types.PLURAL} *`, `delete ${types.PLURAL} *`],
  );
  const widened = mutate((objs) => {
    const role = leaseRole(objs);
    delete role.rules?.[1]?.resourceNames;
    clusterRole(objs).rules?.push({
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['get'],
    });
  });
  assert.deepEqual(widened.denied, []);
  assert.deepEqual(widened.unused, [
    `get leases ${NAMESPACE}`,
    `update leases ${NAMESPACE}`,
    'get leases *',
  ]);
});
