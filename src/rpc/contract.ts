// RPC protocol v1: the methods of DESIGN.md as typed, runtime-validated contracts.
import { z } from 'zod';
import { agentNameSchema, ingressConfigSchema } from '../spec/index.ts';

/** The protocol version carried in every request's `x-rpc-version` header. */
export const RPC_VERSION = 1;

/** One method: the schema its request must satisfy and the schema of its result. */
export interface MethodSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  request: Req;
  result: Res;
}

/** A set of methods served on one queue. */
export type Contract = Record<string, MethodSpec>;

export type MethodName<C extends Contract> = keyof C & string;
/** What a caller passes (schema input). */
export type RequestOf<C extends Contract, M extends MethodName<C>> = z.input<C[M]['request']>;
/** What a handler receives (schema output, after validation). */
export type ValidRequestOf<C extends Contract, M extends MethodName<C>> = z.output<C[M]['request']>;
/** What a caller receives (schema output, after validation). */
export type ResultOf<C extends Contract, M extends MethodName<C>> = z.output<C[M]['result']>;
/** One handler per method; a handler that throws answers REMOTE (or the RpcError's own code). */
export type Handlers<C extends Contract> = {
  [M in MethodName<C>]: (request: ValidRequestOf<C, M>) => Promise<z.input<C[M]['result']>>;
};

const empty = z.strictObject({});
const labels = z.record(z.string().max(317), z.string().max(63));

/** Methods served on the shared LB queue `ingress.controller` by every controller replica. */
export const controllerContract = {
  OnlineAgent: {
    request: z.strictObject({ name: agentNameSchema, labels, version: z.string().max(64) }),
    result: empty,
  },
  OfflineAgent: { request: z.strictObject({ name: agentNameSchema }), result: empty },
  GetIngressConfigs: {
    // `labels` (an addition to DESIGN.md) lets an agent pull before its first heartbeat has
    // registered it; without them the controller uses the labels in the registry.
    request: z.strictObject({ name: agentNameSchema, labels: labels.optional() }),
    result: z.strictObject({ configs: z.array(ingressConfigSchema) }),
  },
} satisfies Contract;

/** Methods served by each agent on its own queue `ingress.agent.<name>`. */
export const agentContract = {
  SetIngressConfig: {
    request: z.strictObject({ config: ingressConfigSchema }),
    result: z.strictObject({ generation: z.number().int().min(1) }),
  },
  DelIngressConfig: {
    request: z.strictObject({
      uid: ingressConfigSchema.shape.uid,
      namespace: ingressConfigSchema.shape.namespace,
      name: ingressConfigSchema.shape.name,
    }),
    result: empty,
  },
} satisfies Contract;

export type ControllerContract = typeof controllerContract;
export type AgentContract = typeof agentContract;

/** The shared LB queue every controller replica consumes. */
export function controllerQueue(prefix = ''): string {
  return `${prefix}ingress.controller`;
}

/** The queue of one agent. */
export function agentQueue(name: string, prefix = ''): string {
  return `${prefix}ingress.agent.${name}`;
}
