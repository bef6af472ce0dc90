// The `agent` subcommand's process wiring: settings → applier → Agent, signals → graceful stop.
import { readFileSync } from 'node:fs';
import { ConfigError, type Logger, type Settings } from '../config/index.ts';
import { agentNameSchema } from '../spec/index.ts';
import { Agent } from './agent.ts';
import type { Applier } from './applier.ts';
import { createFileApplier } from './file-applier.ts';
import { createNginxApplier } from './nginx-applier.ts';

/** The settings the agent reads. */
export const AGENT_SETTINGS = [
  'amqpUrls',
  'rpcPrefix',
  'rpcTimeoutMs',
  'heartbeatIntervalMs',
  'agentName',
  'agentLabels',
  'agentApplier',
  'agentStateDir',
  'nginxConfDir',
  'nginxBin',
  'nginxHttpPort',
  'logLevel',
] as const satisfies readonly (keyof Settings)[];

export type AgentSettings = Pick<Settings, (typeof AGENT_SETTINGS)[number]>;

/** This package's version, reported in every heartbeat. */
export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The applier AGENT_APPLIER names; `onFatal` hears of an nginx master that died on its own. */
export function createApplier(
  settings: AgentSettings,
  logger: Logger,
  onFatal: (error: Error) => void,
): Applier {
  if (settings.agentApplier === 'file') return createFileApplier(settings.agentStateDir);
  const { applier, sink } = createNginxApplier({
    dir: settings.nginxConfDir,
    bin: settings.nginxBin,
    port: settings.nginxHttpPort,
  });
  sink.nginx.on('log', (line) => logger.warn({ nginx: line }, 'nginx said'));
  sink.nginx.on('exited', (code, signal) =>
    onFatal(new Error(`nginx master exited on its own (code ${code}, signal ${signal})`)),
  );
  return applier;
}

/** Runs one agent until SIGTERM/SIGINT (exit 0) or a fatal error (exit 1). */
export async function runAgent(settings: AgentSettings, logger: Logger): Promise<void> {
  const name = agentNameSchema.safeParse(settings.agentName);
  if (!name.success) {
    throw new ConfigError(
      `AGENT_NAME (--agent-name) = ${JSON.stringify(settings.agentName)}: must be a lower-case DNS-1123 subdomain`,
    );
  }
  const log = logger.child({ agent: name.data });
  let signalled = false;
  const fatal = (err: Error): void => {
    // A signal to the whole process group (systemd, a terminal) stops nginx too: expected.
    if (signalled) return log.info({ err }, 'nginx stopped with the agent');
    log.error({ err }, 'agent failed');
    process.exitCode = 1;
    void agent.stop().finally(() => process.exit(1));
  };
  const agent: Agent = new Agent({
    name: name.data,
    labels: settings.agentLabels,
    version: AGENT_VERSION,
    amqpUrls: settings.amqpUrls,
    rpcPrefix: settings.rpcPrefix,
    rpcTimeoutMs: settings.rpcTimeoutMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    applier: createApplier(settings, log, fatal),
    logger: log,
  });
  const stopping = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signalled = true;
      log.info({ signal }, 'stopping');
      void agent.stop().then(resolve, (err: unknown) => {
        log.error({ err }, 'stopping failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  try {
    await agent.start();
  } catch (err) {
    if (!signalled) {
      log.error({ err }, 'agent failed to start');
      await agent.stop().catch(() => undefined);
      process.exitCode = 1;
      return;
    }
  }
  await stopping;
}
