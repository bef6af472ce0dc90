// Real Redis, RabbitMQ and nginx processes on free ports in a folder of their own, for tests,
// benchmarks and the demo. A development tool: the controller and the agent never import it.
export { ManagedProcess, freePort, killAllManaged, waitFor, waitForPort } from './process.ts';
export { RedisServer } from './redis.ts';
export { RabbitServer } from './rabbitmq.ts';
