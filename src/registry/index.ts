// The Redis heartbeat registry and roster watcher (DESIGN.md "Redis heartbeat registry").
export {
  AgentRegistry,
  canonicalJson,
  type Agent,
  type AgentRegistryOptions,
  type Heartbeat,
  type RawAgent,
  type RedisClient,
} from './registry.ts';
export { RosterWatcher, type RosterEvents, type RosterWatcherOptions } from './roster.ts';
export { registryHandlers, type RegistryHandlers } from './handlers.ts';
export { createRedisClient, parseRedisUrl, type RedisTarget } from './redis.ts';
