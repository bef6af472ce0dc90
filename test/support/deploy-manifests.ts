// deploy/ as data: render a kustomization with kubectl, and typed views of what the checks read.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** Repository root (absolute path). */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** The fields of a Kubernetes object the deploy checks read; the rest stays `unknown`. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  rules?: PolicyRule[];
  roleRef?: { apiGroup?: string; kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
  automountServiceAccountToken?: boolean;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key?: string; optional?: boolean };
    configMapKeyRef?: { name?: string; key?: string; optional?: boolean };
    fieldRef?: { fieldPath?: string };
  };
}

export interface Probe {
  httpGet?: { path?: string; port?: string | number };
  tcpSocket?: { port?: string | number };
  grpc?: { port?: number };
  exec?: { command?: string[] };
}

export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort?: number; hostPort?: number; protocol?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
  };
  volumeMounts?: { name?: string; mountPath?: string; readOnly?: boolean }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  topologySpreadConstraints?: {
    topologyKey?: string;
    labelSelector?: { matchLabels?: Record<string, string> };
  }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    seccompProfile?: { type?: string };
  };
  containers?: Container[];
  initContainers?: Container[];
  volumes?: {
    name?: string;
    emptyDir?: unknown;
    secret?: { secretName?: string };
    configMap?: { name?: string };
  }[];
}

/** A Deployment, DaemonSet or StatefulSet, seen through the fields the checks read. */
export interface Workload extends KObject {
  spec: {
    replicas?: number;
    serviceName?: string;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };
    volumeClaimTemplates?: { metadata?: { name?: string } }[];
  };
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/** `kubectl kustomize dir` as objects; rejects with kubectl's message when it cannot build. */
export async function render(dir: string): Promise<KObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`bad YAML from kustomize: ${doc.errors[0]?.message}`);
      return doc.toJS() as KObject | null;
    })
    .filter((obj): obj is KObject => obj !== null);
}

/** Whether an executable is on PATH (the deploy checks need kubectl, shellcheck and bash). */
export async function hasTool(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

export function isWorkload(obj: KObject): obj is Workload {
  return WORKLOAD_KINDS.has(obj.kind ?? '');
}

/** The one object of `kind` named `name`; throws when there is none. */
export function find<T extends KObject = KObject>(objs: KObject[], kind: string, name: string): T {
  const found = objs.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found as T;
}

/** The workload whose first container runs `wise2c-ingress <subcommand>`. */
export function workloadRunning(objs: KObject[], subcommand: string): Workload {
  const found = objs
    .filter(isWorkload)
    .find((w) => w.spec.template?.spec?.containers?.[0]?.args?.[0] === subcommand);
  if (!found) throw new Error(`no workload runs "${subcommand}"`);
  return found;
}

export function podSpec(w: Workload): PodSpec {
  return w.spec.template?.spec ?? {};
}

export function containersOf(w: Workload): Container[] {
  const spec = podSpec(w);
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** Whether every entry of `selector` is in `labels` (an empty selector matches nothing here). */
export function selects(selector: Record<string, string> | undefined, labels = {}): boolean {
  const entries = Object.entries(selector ?? {});
  const have = labels as Record<string, string>;
  return entries.length > 0 && entries.every(([k, v]) => have[k] === v);
}

/** A Secret's values, decoded. */
export function secretValues(secret: KObject): Record<string, string> {
  const out: Record<string, string> = { ...secret.stringData };
  for (const [k, v] of Object.entries(secret.data ?? {}))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/**
 * A container's environment as the kubelet builds it: secretKeyRef values read from the rendered
 * Secrets, `$(VAR)` expanded from earlier variables (an unknown reference stays as written).
 */
export function resolvedEnv(objs: KObject[], namespace: string, c: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const v of c.env ?? []) {
    const ref = v.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objs.find(
        (o) =>
          o.kind === 'Secret' &&
          o.metadata?.name === ref.name &&
          o.metadata?.namespace === namespace,
      );
      env.set(v.name, secret ? (secretValues(secret)[ref.key ?? ''] ?? '') : '');
    } else if (v.value !== undefined) {
      env.set(
        v.name,
        v.value.replace(
          /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
          (all, name: string) => env.get(name) ?? all,
        ),
      );
    }
  }
  return env;
}
