import { isDeepStrictEqual } from 'node:util';
import { statusAgents, type CachedStatus } from './cached.ts';
import type { IngressStatus } from './types.ts';

/**
 * Whether writing `next` would change nothing a reader cares about (JSON-equal). `current` is
 * usually the cached status, whose agents are packed: they are compared entry by entry, the rest
 * (summary, conditions) as JSON.
 */
export function statusEqual(
  current: CachedStatus | IngressStatus | undefined,
  next: IngressStatus,
): boolean {
  const packed = statusAgents(current);
  const agentsEqual =
    packed === undefined
      ? next.agents === undefined
      : next.agents !== undefined && packed.equals(next.agents);
  return agentsEqual && isDeepStrictEqual(json(withoutAgents(current)), json(withoutAgents(next)));
}

function withoutAgents(status: object | undefined): object {
  return Object.fromEntries(
    Object.entries(status ?? {}).filter(([k]) => k !== 'agents' && k !== 'packedAgents'),
  );
}

const json = (value: object): unknown => JSON.parse(JSON.stringify(value));
