// The reconciler's ports over the real clients, each refusing to act once leadership is lost.
import type { IngressClient } from '../kube/index.ts';
import {
  agentContract,
  agentQueue,
  type AgentContract,
  type PreparedRequest,
  type RpcClient,
} from '../rpc/index.ts';
import type { IngressConfig } from '../spec/index.ts';
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

/**
 * SetIngressConfig / DelIngressConfig to each agent's own queue. A fan-out passes one config
 * object to every agent: it is validated and encoded once, not once per agent.
 */
export function rpcPusher(client: RpcClient, rpcPrefix: string, guard: LeaderGuard): AgentPusher {
  const prepared = new WeakMap<IngressConfig, PreparedRequest<AgentContract, 'SetIngressConfig'>>();
  return {
    set: async (agent, config) => {
      guard();
      let request = prepared.get(config);
      if (!request) {
        request = client.prepare(agentContract, 'SetIngressConfig', { config });
        prepared.set(config, request);
      }
      return client.send(agentQueue(agent, rpcPrefix), request);
    },
    del: async (agent, ref) => {
      guard();
      await client.call(agentQueue(agent, rpcPrefix), agentContract, 'DelIngressConfig', ref);
    },
  };
}
