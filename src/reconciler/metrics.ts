import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus metrics, on a registry of its own (no global state). */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'wise2c_reconcile_total',
    help: 'Reconciles by result (success, requeue, error, terminal).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'wise2c_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with back-off.',
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'wise2c_reconcile_duration_seconds',
    help: 'Time of one reconcile, fan-out included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'wise2c_workqueue_depth',
    help: 'Keys waiting in the work queue.',
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'wise2c_workqueue_retries_total',
    help: 'Keys put back with back-off.',
    registers: [this.registry],
  });
  readonly rpcCalls = new Counter({
    name: 'wise2c_rpc_calls_total',
    help: 'RPC calls made by the controller, by method and outcome (ok or an error code).',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly rpcDuration = new Histogram({
    name: 'wise2c_rpc_call_duration_seconds',
    help: 'Round trip of one RPC call.',
    labelNames: ['method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly rpcServed = new Counter({
    name: 'wise2c_rpc_served_total',
    help: 'Requests served on the controller queue, by method and outcome.',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly liveAgents = new Gauge({
    name: 'wise2c_live_agents',
    help: 'Agents whose last heartbeat is younger than AGENT_TTL_MS.',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'wise2c_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
