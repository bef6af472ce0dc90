// client-node wiring: kubeconfig, a self-restarting informer, status and finalizer writes,
// aggregated Events and Lease-based leader election.
export { loadKubeConfig, shareConnections, statusCodeOf } from './config.ts';
export {
  ResilientInformer,
  type InformerEvents,
  type ResilientInformerOptions,
} from './informer.ts';
export { IngressClient } from './ingress-client.ts';
export { KubeEventRecorder, type EventSubject } from './events.ts';
export { LeaderElector, type LeaderElectionOptions } from './leader.ts';
