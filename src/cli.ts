#!/usr/bin/env node
// The one executable: each subcommand wires the parts it runs. The only module that does.
import { Command, CommanderError } from 'commander';
import { AGENT_SETTINGS, runAgent } from './agent/index.ts';
import { ConfigError, addSettingOptions, createLogger, loadSettings } from './config/index.ts';
import { startLocalKube } from './local-kube/index.ts';
import { CONTROLLER_SETTINGS, runController } from './reconciler/index.ts';
import { runDemo } from './demo/demo.ts';

const program = new Command('wise2c-ingress')
  .description('Pushes Wise2cIngressConfig resources to ingress agents over RabbitMQ RPC')
  .showHelpAfterError()
  .exitOverride();

// Subcommands are registered here as the parts they wire land (controller, agent, demo, local-kube).

addSettingOptions(
  program
    .command('agent')
    .description(
      'Run one ingress agent: heartbeats, pulls its configs, applies Set/Del to nginx or files',
    ),
  AGENT_SETTINGS,
).action(async (flags: Record<string, unknown>) => {
  const settings = loadSettings(AGENT_SETTINGS, flags);
  await runAgent(settings, createLogger('agent', settings.logLevel));
  process.exit(process.exitCode ?? 0);
});

addSettingOptions(
  program
    .command('controller')
    .description(
      'Run the controller: serve agent heartbeats, and reconcile resources while leader',
    ),
  CONTROLLER_SETTINGS,
).action(async (flags: Record<string, unknown>) => {
  const settings = loadSettings(CONTROLLER_SETTINGS, flags);
  await runController(settings, createLogger('controller', settings.logLevel));
  process.exit(0);
});

addSettingOptions(
  program
    .command('local-kube')
    .description('Run a local Kubernetes API server (in memory, HTTPS) for tests and the demo')
    .option('--port <port>', 'TCP port on 127.0.0.1 (default: a free one)')
    .option('--kubeconfig <path>', 'where to write its kubeconfig (default: a temporary file)'),
  ['logLevel'],
).action(async (flags: Record<string, unknown>) => {
  const { logLevel } = loadSettings(['logLevel'], flags);
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port = ${JSON.stringify(flags.port)}: must be an integer 0..65535`);
  }
  const log = createLogger('local-kube', logLevel);
  const kube = await startLocalKube({
    port,
    kubeconfigPath: typeof flags.kubeconfig === 'string' ? flags.kubeconfig : undefined,
    onRequest: (info) => log.debug(info, 'request'),
  });
  process.stdout.write(`local-kube listening on ${kube.url}\nkubeconfig: ${kube.kubeconfigPath}\n`);
  log.info({ url: kube.url, kubeconfig: kube.kubeconfigPath }, 'local-kube started');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'local-kube stopping');
  await kube.close();
  process.exit(0);
});

program
  .command('demo')
  .description(
    'Run the whole system on this machine: local-kube, Redis, RabbitMQ, a controller, three agents',
  )
  .option('--once', 'exit 0 once every example is Ready and a request was routed')
  .option('--keep', 'keep the working folder (logs, kubeconfig) after exit')
  .action(async (flags: { once?: boolean; keep?: boolean }) => {
    await runDemo({ once: flags.once ?? false, keep: flags.keep ?? false });
    process.exit(0);
  });

/** Runs the CLI; a bad setting or flag exits 2 with one clear line, never a stack trace. */
async function main(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof ConfigError) {
      process.stderr.write(`wise2c-ingress: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

await main(process.argv);
