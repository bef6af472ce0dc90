import os from 'node:os';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().min(1);
const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()).min(1, 'needs at least one entry'));
const labelList = z.string().transform((value, ctx) => {
  const labels: Record<string, string> = {};
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not k=v` });
      return z.NEVER;
    }
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
});

/** One setting: its environment variable (the flag is the same name in kebab case), default and meaning. */
export interface SettingDef<S extends z.ZodType = z.ZodType> {
  env: string;
  schema: S;
  default?: string;
  description: string;
}

function def<S extends z.ZodType>(
  env: string,
  schema: S,
  description: string,
  dflt?: string,
): SettingDef<S> {
  return dflt === undefined
    ? { env, schema, description }
    : { env, schema, description, default: dflt };
}

/** Every setting of every process; DESIGN.md ("Processes") is the contract for the names. */
export const SETTINGS = {
  amqpUrls: def(
    'AMQP_URL',
    commaList,
    'RabbitMQ URL, or a comma-separated list for a cluster',
    'amqp://guest:guest@127.0.0.1:5672',
  ),
  redisUrl: def(
    'REDIS_URL',
    z.string().min(1),
    'Redis URL (redis://, rediss://, redis-sentinel://, redis-cluster://)',
    'redis://127.0.0.1:6379',
  ),
  kubeconfig: def(
    'KUBECONFIG',
    z.string().optional(),
    'kubeconfig path; else in-cluster, else ~/.kube/config',
  ),
  watchNamespace: def(
    'WATCH_NAMESPACE',
    z.string().optional(),
    'namespace to watch; all when unset',
  ),
  podNamespace: def(
    'POD_NAMESPACE',
    z.string().min(1),
    'namespace of the leader-election Lease',
    'default',
  ),
  logLevel: def(
    'LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'pino log level',
    'info',
  ),
  httpPort: def(
    'HTTP_PORT',
    z.coerce.number().int().min(0).max(65535),
    'port of /healthz, /readyz and /metrics (0: any free port)',
    '8080',
  ),
  rpcTimeoutMs: def('RPC_TIMEOUT_MS', positiveInt, 'timeout of one RPC call, ms', '5000'),
  fanoutConcurrency: def(
    'FANOUT_CONCURRENCY',
    positiveInt,
    'RPC calls in flight per reconcile',
    '64',
  ),
  maxConcurrentReconciles: def('MAX_CONCURRENT_RECONCILES', positiveInt, 'reconcile workers', '4'),
  heartbeatIntervalMs: def(
    'HEARTBEAT_INTERVAL_MS',
    positiveInt,
    'agent heartbeat interval, ms',
    '2000',
  ),
  agentTtlMs: def('AGENT_TTL_MS', positiveInt, 'an agent silent this long is gone, ms', '3000'),
  rpcPrefix: def(
    'RPC_PREFIX',
    z.string().regex(/^[A-Za-z0-9._-]*$/),
    'prefix of every queue name',
    '',
  ),
  redisPrefix: def('REDIS_PREFIX', z.string(), 'prefix of every Redis key', 'wise2c:ingress:'),
  agentName: def(
    'AGENT_NAME',
    z.string().min(1),
    'agent name (lower-case DNS name)',
    os.hostname().toLowerCase(),
  ),
  agentLabels: def('AGENT_LABELS', labelList, 'agent labels, k=v,k=v', ''),
  agentApplier: def(
    'AGENT_APPLIER',
    z.enum(['file', 'nginx']),
    'how the agent applies configs',
    'file',
  ),
  agentStateDir: def(
    'AGENT_STATE_DIR',
    z.string().min(1),
    'folder of the agent state (file applier)',
    '/var/lib/wise2c-ingress',
  ),
  nginxConfDir: def(
    'NGINX_CONF_DIR',
    z.string().min(1),
    "prefix folder of the agent's own nginx (nginx.conf, server blocks, state)",
    '/etc/nginx/conf.d/wise2c',
  ),
  nginxBin: def('NGINX_BIN', z.string().min(1), 'nginx executable', 'nginx'),
  nginxHttpPort: def(
    'NGINX_HTTP_PORT',
    z.coerce.number().int().min(1).max(65535),
    "port the agent's nginx listens on",
    '80',
  ),
  statusAgentsMax: def('STATUS_AGENTS_MAX', positiveInt, 'most entries in status.agents', '100'),
  leaseDurationMs: def('LEASE_DURATION_MS', positiveInt, 'leader Lease duration, ms', '15000'),
  leaseRenewDeadlineMs: def(
    'LEASE_RENEW_DEADLINE_MS',
    positiveInt,
    'a leader that cannot renew within this steps down, ms',
    '10000',
  ),
  leaseRetryPeriodMs: def(
    'LEASE_RETRY_PERIOD_MS',
    positiveInt,
    'leader election retry period, ms',
    '2000',
  ),
  resyncPeriodMs: def(
    'RESYNC_PERIOD_MS',
    positiveInt,
    'every resource is reconciled again this often, ms',
    '600000',
  ),
  retryMaxDelayMs: def(
    'RETRY_MAX_DELAY_MS',
    positiveInt,
    'cap of the per-resource retry back-off, ms',
    '300000',
  ),
} satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };

/** `FANOUT_CONCURRENCY` → `--fanout-concurrency`. */
export function flagName(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}
