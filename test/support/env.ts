// The shared services started by global-setup.ts, read from the environment it sets.
export interface TestEnv {
  root: string;
  redisUrl: string;
  amqpUrl: string;
  amqpPort: number;
}

/** The shared test services; throws when run outside the integration runner. */
export function testEnv(): TestEnv {
  const { W2I_TEST_ROOT, W2I_TEST_REDIS_URL, W2I_TEST_AMQP_URL, W2I_TEST_AMQP_PORT } = process.env;
  if (!W2I_TEST_ROOT || !W2I_TEST_REDIS_URL || !W2I_TEST_AMQP_URL || !W2I_TEST_AMQP_PORT) {
    throw new Error(
      'integration tests run under test/support/global-setup.ts (npm run test:integration)',
    );
  }
  return {
    root: W2I_TEST_ROOT,
    redisUrl: W2I_TEST_REDIS_URL,
    amqpUrl: W2I_TEST_AMQP_URL,
    amqpPort: Number(W2I_TEST_AMQP_PORT),
  };
}
