// The reconciler's ports over the real clients, each refusing to act once leadership is lost.
import type { IngressClient } from '../kube/index.ts';
import { agentContract, agentQueue, type RpcClient } from '../rpc/index.ts';
import type { AgentPusher, IngressWriter } from './ports.ts';

/** Throws unless this replica still leads: a deposed leader stops writing and pushing at once. */
export type LeaderGuard = () => void;

/** A guard over `leading()`. */
export function leaderGuard(leading: () => boolean): LeaderGuard {
  return () => {
    if (!leading()) throw new Error('not the leader any more');
  };
}

/** Status and finalizer writes through the API server. */
export function kubeWriter(kube: IngressClient, guard: LeaderGuard): IngressWriter {
  return {
    patchStatus: async (obj, status) => {
      guard();
      await kube.patchStatus(obj, status);
    },
    setFinalizers: async (obj, finalizers) => {
      guard();
      await kube.setFinalizers(obj, finalizers);
    },
  };
}

/** SetIngressConfig / DelIngressConfig to each agent's own queue. */
export function rpcPusher(client: RpcClient, rpcPrefix: string, guard: LeaderGuard): AgentPusher {
  return {
    set: async (agent, config) => {
      guard();
      return client.call(agentQueue(agent, rpcPrefix), agentContract, 'SetIngressConfig', {
        config,
      });
    },
    del: async (agent, ref) => {
      guard();
      await client.call(agentQueue(agent, rpcPrefix), agentContract, 'DelIngressConfig', ref);
    },
  };
}
