import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ControllerMetrics } from './metrics.ts';
import type { WorkQueue } from './queue.ts';
import { AgentsFailedError, TerminalError, type IngressReconciler } from './reconcile.ts';

/** Runs `count` workers over the queue until it shuts down; resolves when all have returned. */
export async function runWorkers(options: {
  count: number;
  queue: WorkQueue;
  reconciler: IngressReconciler;
  logger: Logger;
  metrics: ControllerMetrics;
}): Promise<void> {
  const { queue, reconciler, logger, metrics } = options;
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      metrics.queueDepth.set(queue.length);
      const log = logger.child({ key, reconcileId: randomUUID().slice(0, 8) });
      const stopTimer = metrics.reconcileDuration.startTimer();
      try {
        const result = await reconciler.reconcile(key, log);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
        metrics.reconciles.inc({
          result: result.requeueAfterMs === undefined ? 'success' : 'requeue',
        });
      } catch (error) {
        if (error instanceof TerminalError) {
          queue.forget(key);
          metrics.reconciles.inc({ result: 'terminal' });
          log.error({ err: error }, 'reconcile failed for good, not retried');
        } else {
          const delayMs = queue.addRateLimited(key);
          metrics.reconciles.inc({ result: 'error' });
          metrics.reconcileErrors.inc();
          metrics.queueRetries.inc();
          // Agent failures are already in status and Events; anything else is logged here, once.
          if (error instanceof AgentsFailedError)
            log.debug({ delayMs, reason: error.message }, 'retrying');
          else
            log.warn(
              { err: error, delayMs, retries: queue.retries(key) },
              'reconcile failed, retrying',
            );
        }
      } finally {
        stopTimer();
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.count }, worker));
}
