import type { LimitFunction } from 'p-limit';
import type { IngressConfig } from '../spec/index.ts';
import type { AgentPusher, Clock } from './ports.ts';
import type { AgentStatus } from './types.ts';

/** What a fan-out needs: the RPC port, a clock, the concurrency bound, and the per-agent memory. */
export interface FanoutContext {
  pusher: AgentPusher;
  clock: Clock;
  limit: LimitFunction;
  /** What each agent acknowledged; updated with every outcome. */
  known: Map<string, AgentStatus>;
}

/**
 * Pushes `config` to each agent, within the bound; returns each agent's new entry. Every entry of
 * one fan-out carries the time it started, as lastAttemptTime and (when synced) lastSyncTime: one
 * string shared by all agents, so entries with the same outcome pack into one (see packed.ts).
 */
export function pushConfig(
  agents: readonly string[],
  config: IngressConfig,
  ctx: FanoutContext,
): Promise<AgentStatus[]> {
  const lastAttemptTime = ctx.clock.now().toISOString();
  return Promise.all(
    agents.map((agent) =>
      ctx.limit(async (): Promise<AgentStatus> => {
        let entry: AgentStatus;
        try {
          const reply = await ctx.pusher.set(agent, config);
          const generation = Math.max(reply.generation, config.generation);
          entry = {
            name: agent,
            state: 'Synced',
            generation,
            lastAttemptTime,
            lastSyncTime: lastAttemptTime,
          };
        } catch (error) {
          const lastSyncTime = ctx.known.get(agent)?.lastSyncTime;
          entry = {
            name: agent,
            state: 'Failed',
            generation: config.generation,
            message: errorMessage(error),
            lastAttemptTime,
            ...(lastSyncTime ? { lastSyncTime } : {}),
          };
        }
        ctx.known.set(agent, entry);
        return entry;
      }),
    ),
  );
}

/** Asks each agent to remove the config, within the bound; returns the failures as `agent: error`. */
export async function removeConfig(
  agents: readonly string[],
  ref: { uid: string; namespace: string; name: string },
  ctx: Omit<FanoutContext, 'clock'>,
): Promise<{ name: string; message: string }[]> {
  const outcomes = await Promise.all(
    agents.map((agent) =>
      ctx.limit(async () => {
        try {
          await ctx.pusher.del(agent, ref);
          ctx.known.delete(agent);
          return undefined;
        } catch (error) {
          return { name: agent, message: errorMessage(error) };
        }
      }),
    ),
  );
  return outcomes.filter((o) => o !== undefined);
}

/** An error as one line: `CODE: message` for RPC errors. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
