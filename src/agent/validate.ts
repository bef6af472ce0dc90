// Defence in depth: every config is re-checked here before anything is rendered or written,
// whatever the RPC layer already validated.
import {
  AGENT_NAME_PATTERN,
  HOST_PATTERN,
  PATH_PATTERN,
  SERVICE_NAME_PATTERN,
  UPSTREAM_PATTERN,
  formatIssues,
  ingressConfigSchema,
  type IngressConfig,
} from '../spec/index.ts';
import { ApplyError } from './errors.ts';

const patterns = {
  host: new RegExp(HOST_PATTERN),
  path: new RegExp(PATH_PATTERN),
  upstream: new RegExp(UPSTREAM_PATTERN),
  service: new RegExp(SERVICE_NAME_PATTERN),
  name: new RegExp(AGENT_NAME_PATTERN),
} as const;

/** Throws ApplyError INVALID unless `value` matches the strict pattern of its kind. */
export function assertSafe(kind: keyof typeof patterns, value: unknown, where: string): string {
  if (typeof value !== 'string' || !patterns[kind].test(value)) {
    throw new ApplyError('INVALID', `${where}: ${JSON.stringify(value)} is not a safe ${kind}`);
  }
  return value;
}

/** The config, parsed against the spec schema; ApplyError INVALID with every issue otherwise. */
export function validateConfig(config: unknown): IngressConfig {
  const parsed = ingressConfigSchema.safeParse(config);
  if (!parsed.success) throw new ApplyError('INVALID', formatIssues(parsed.error, 'config'));
  return parsed.data;
}

/** `namespace/name`: the identity of a config on an agent (a new uid replaces the old one). */
export function configKey(ref: { namespace: string; name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The host+path pairs a config claims, `host path`. */
export function claims(config: IngressConfig): Set<string> {
  const out = new Set<string>();
  for (const rule of config.spec.rules)
    for (const p of rule.http.paths) out.add(`${rule.host} ${p.path}`);
  return out;
}

/** A message naming the resource that already holds one of `config`'s host+path pairs, if any. */
export function findConflict(
  held: Iterable<IngressConfig>,
  config: IngressConfig,
): string | undefined {
  const wanted = claims(config);
  const key = configKey(config);
  for (const other of held) {
    if (configKey(other) === key) continue;
    for (const claim of claims(other)) {
      if (!wanted.has(claim)) continue;
      const [host, path] = claim.split(' ');
      return `host ${host} path ${path} is already served by ${configKey(other)} (uid ${other.uid}); ${key} refused`;
    }
  }
  return undefined;
}
