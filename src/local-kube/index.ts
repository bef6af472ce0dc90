// local-kube: a local Kubernetes API server for tests and the demo (a development tool; only the
// CLI and tests import it).
export {
  startLocalKube,
  type LocalKube,
  type LocalKubeOptions,
  type LocalKubeStats,
} from './server.ts';
export type { FaultSpec } from './faults.ts';
