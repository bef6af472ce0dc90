// Builds the ioredis client from REDIS_URL: a plain URL, a Sentinel group or a Cluster.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** What a REDIS_URL means, before any connection is made. */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: ClusterOptions };

/**
 * Parses `redis://` / `rediss://` (one server), `redis-sentinel://[:pw@]h1:26379,h2:26379/master`
 * and `redis-cluster://[:pw@]h1:7000,h2:7001`; query `db`, `sentinelPassword`, `role`, `tls=1`.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match =
    /^(redis|rediss|redis-sentinel|redis-cluster):\/\/(?:([^@/]*)@)?([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(
      url,
    );
  if (!match)
    throw new Error(
      `REDIS_URL ${redact(url)} is not a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL`,
    );
  const [, scheme, auth, hostList, pathPart = '', query = ''] = match as unknown as string[];
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'standalone', url };
  const params = new URLSearchParams(query);
  const { username, password } = parseAuth(auth);
  const nodes = (hostList ?? '')
    .split(',')
    .map((hp) => parseHostPort(hp, scheme === 'redis-sentinel' ? 26379 : 6379, url));
  const tls = params.get('tls') === '1' || params.get('tls') === 'true' ? { tls: {} } : {};
  if (scheme === 'redis-sentinel') {
    const name = decodeURIComponent(pathPart.replace(/^\//, ''));
    if (!name)
      throw new Error(`REDIS_URL ${redact(url)} names no Sentinel master group (…/mymaster)`);
    const role = params.get('role');
    const sentinelPassword = params.get('sentinelPassword');
    return {
      kind: 'sentinel',
      options: {
        sentinels: nodes,
        name,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(role === 'slave' || role === 'replica' ? { role: 'slave' as const } : {}),
        ...(params.has('db') ? { db: Number(params.get('db')) } : {}),
        ...tls,
      },
    };
  }
  return {
    kind: 'cluster',
    nodes,
    options: {
      redisOptions: {
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...tls,
      },
    },
  };
}

/** A connected-on-demand ioredis client (Redis or Cluster) for REDIS_URL. */
export function createRedisClient(url: string, extra: RedisOptions = {}): Redis | Cluster {
  const target = parseRedisUrl(url);
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, extra);
    case 'sentinel':
      return new Redis({ ...target.options, ...extra });
    case 'cluster':
      return new Cluster(target.nodes, {
        ...target.options,
        redisOptions: { ...target.options.redisOptions, ...extra },
      });
  }
}

function parseAuth(auth: string | undefined): { username?: string; password?: string } {
  if (!auth) return {};
  const colon = auth.indexOf(':');
  if (colon < 0) return { password: decodeURIComponent(auth) };
  const username = decodeURIComponent(auth.slice(0, colon));
  return { ...(username ? { username } : {}), password: decodeURIComponent(auth.slice(colon + 1)) };
}

function parseHostPort(
  hp: string,
  defaultPort: number,
  url: string,
): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp.trim());
  if (!m?.[1]) throw new Error(`REDIS_URL ${redact(url)}: "${hp}" is not host:port`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
