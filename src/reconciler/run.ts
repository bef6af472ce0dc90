// The `controller` subcommand's process wiring: settings → Controller, signals → graceful stop.
import type { Logger, Settings } from '../config/index.ts';
import { loadKubeConfig } from '../kube/index.ts';
import { Controller } from './controller.ts';

/** The settings the controller reads. */
export const CONTROLLER_SETTINGS = [
  'amqpUrls',
  'redisUrl',
  'kubeconfig',
  'watchNamespace',
  'podNamespace',
  'logLevel',
  'httpPort',
  'rpcTimeoutMs',
  'fanoutConcurrency',
  'maxConcurrentReconciles',
  'agentTtlMs',
  'rpcPrefix',
  'redisPrefix',
  'statusAgentsMax',
  'leaseDurationMs',
  'leaseRenewDeadlineMs',
  'leaseRetryPeriodMs',
  'resyncPeriodMs',
  'retryMaxDelayMs',
] as const satisfies readonly (keyof Settings)[];

export type ControllerProcessSettings = Pick<Settings, (typeof CONTROLLER_SETTINGS)[number]>;

/** Runs the controller until SIGTERM/SIGINT, then stops it gracefully. */
export async function runController(
  settings: ControllerProcessSettings,
  logger: Logger,
): Promise<void> {
  const controller = new Controller({
    settings,
    kubeConfig: loadKubeConfig(settings.kubeconfig),
    logger,
    lease: {
      durationMs: settings.leaseDurationMs,
      renewDeadlineMs: settings.leaseRenewDeadlineMs,
      retryPeriodMs: settings.leaseRetryPeriodMs,
    },
    backoff: { maxDelayMs: settings.retryMaxDelayMs },
    resyncMs: settings.resyncPeriodMs,
  });
  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await controller.start();
  const signal = await stopping;
  logger.info({ signal }, 'signal received');
  await controller.stop();
}
