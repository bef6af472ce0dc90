// The reconciler: queue, reconcile, status builder, leader-elected controller process.
export { Controller, type ControllerOptions, type ControllerSettings } from './controller.ts';
export { CONTROLLER_SETTINGS, runController, type ControllerProcessSettings } from './run.ts';
export {
  IngressReconciler,
  AgentsFailedError,
  TerminalError,
  type ReconcileResult,
} from './reconcile.ts';
export { WorkQueue } from './queue.ts';
export { buildStatus, capAgents, isSynced } from './status.ts';
export { selectorMatches, targetedAgents, type AgentInfo } from './targets.ts';
export { configsForAgent, reconcileSignature } from './configs.ts';
export * from './types.ts';
