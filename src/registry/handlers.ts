// The controller's LB handlers for agent liveness, backed by the registry.
import type { ControllerContract, Handlers } from '../rpc/contract.ts';
import type { AgentRegistry } from './registry.ts';

/** The liveness methods of the controller queue; the controller adds GetIngressConfigs. */
export type RegistryHandlers = Pick<Handlers<ControllerContract>, 'OnlineAgent' | 'OfflineAgent'>;

/** OnlineAgent records a heartbeat; OfflineAgent removes the agent at once. */
export function registryHandlers(registry: AgentRegistry): RegistryHandlers {
  return {
    OnlineAgent: async ({ name, labels, version }) => {
      await registry.online({ name, labels, version });
      return {};
    },
    OfflineAgent: async ({ name }) => {
      await registry.offline(name);
      return {};
    },
  };
}
