// From one request message to the reply it deserves: checks, handler call, result check.
import type { Contract, Handlers } from './contract.ts';
import {
  checkResult,
  decodeRequest,
  encodeError,
  encodeResult,
  type RequestMessage,
} from './envelope.ts';
import { RpcError, messageOf, type RpcErrorCode } from './errors.ts';

/** A reply body ready to publish, with what it says for the 'request' event. */
export interface Answer {
  method: string;
  outcome: 'ok' | RpcErrorCode;
  body: Buffer;
}

type AnyHandler = (request: unknown) => Promise<unknown>;

/** Checks the request, runs its handler and checks the result; never throws. */
export async function answer<C extends Contract>(
  msg: RequestMessage,
  contract: C,
  handlers: Handlers<C>,
  maxRequestBytes: number,
): Promise<Answer> {
  const decoded = decodeRequest(msg, contract, maxRequestBytes);
  const { method } = decoded;
  if (!decoded.ok) {
    return { method, outcome: decoded.code, body: encodeError(decoded.code, decoded.message) };
  }
  try {
    const handler = handlers[method] as AnyHandler;
    const result = await handler(decoded.request);
    const spec = contract[method] as C[string];
    const checked = checkResult(spec.result, result, `the ${method} handler`);
    if (!checked.ok) throw new RpcError('REMOTE', checked.message);
    return { method, outcome: 'ok', body: encodeResult(result) };
  } catch (error) {
    const code = error instanceof RpcError ? error.code : 'REMOTE';
    return { method, outcome: code, body: encodeError(code, messageOf(error)) };
  }
}

/** Why a message that cannot be answered (no replyTo or correlationId) is dropped. */
export function rejectionReason(
  msg: RequestMessage & { properties: { replyTo?: unknown } },
  contract: Contract,
  maxRequestBytes: number,
): string {
  const { replyTo } = msg.properties;
  const missing = typeof replyTo !== 'string' || !replyTo ? 'replyTo' : 'correlationId';
  const decoded = decodeRequest(msg, contract, maxRequestBytes);
  return decoded.ok ? `request without ${missing}` : `${decoded.message}; no ${missing}`;
}
