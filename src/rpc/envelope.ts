// Protocol v1 on the wire: request properties, request checks and reply bodies. Pure functions.
import type { Options } from 'amqplib';
import type { z } from 'zod';
import { formatIssues } from '../spec/index.ts';
import { RPC_VERSION, type Contract } from './contract.ts';
import { RpcError, isRpcErrorCode, type RpcErrorCode } from './errors.ts';

/** The header that carries the protocol version. */
export const VERSION_HEADER = 'x-rpc-version';
/** The content type of every request and reply. */
export const CONTENT_TYPE = 'application/json';

/** The AMQP properties of one request (DESIGN.md: type, correlationId, replyTo, expiration...). */
export function requestProperties(
  method: string,
  correlationId: string,
  replyTo: string,
  timeoutMs: number,
): Options.Publish {
  return {
    mandatory: true,
    type: method,
    correlationId,
    replyTo,
    expiration: String(Math.max(1, Math.ceil(timeoutMs))),
    contentType: CONTENT_TYPE,
    headers: { [VERSION_HEADER]: RPC_VERSION },
  };
}

/** The AMQP properties of one reply. */
export function replyProperties(correlationId: string): Options.Publish {
  return { correlationId, contentType: CONTENT_TYPE, headers: { [VERSION_HEADER]: RPC_VERSION } };
}

/** The parts of an incoming request message that decodeRequest reads. */
export interface RequestMessage {
  content: Buffer;
  properties: { type?: unknown; headers?: Record<string, unknown> | undefined };
}

/** A request that passed every check, or the error reply it deserves. */
export type DecodedRequest =
  | { ok: true; method: string; request: unknown }
  | { ok: false; method: string; code: RpcErrorCode; message: string };

/** Checks size, version, method, JSON and the method's request schema, in that order. */
export function decodeRequest(
  msg: RequestMessage,
  contract: Contract,
  maxRequestBytes: number,
): DecodedRequest {
  const method = typeof msg.properties.type === 'string' ? msg.properties.type : '';
  const fail = (code: RpcErrorCode, message: string): DecodedRequest => ({
    ok: false,
    method,
    code,
    message,
  });
  if (msg.content.length > maxRequestBytes) {
    return fail(
      'BAD_REQUEST',
      `request body is ${msg.content.length} bytes, over the limit of ${maxRequestBytes}`,
    );
  }
  const version = msg.properties.headers?.[VERSION_HEADER];
  if (version !== RPC_VERSION && version !== String(RPC_VERSION)) {
    return fail('BAD_REQUEST', `unsupported ${VERSION_HEADER} ${JSON.stringify(version ?? null)}`);
  }
  const spec = Object.hasOwn(contract, method) ? contract[method] : undefined;
  if (!spec) return fail('UNKNOWN_METHOD', `unknown method ${JSON.stringify(method)}`);
  let body: unknown;
  try {
    body = JSON.parse(msg.content.toString('utf8'));
  } catch {
    return fail('BAD_REQUEST', 'request body is not JSON');
  }
  const parsed = spec.request.safeParse(body);
  if (!parsed.success) return fail('BAD_REQUEST', formatIssues(parsed.error, 'request'));
  return { ok: true, method, request: parsed.data };
}

/** The body of a successful reply. */
export function encodeResult(result: unknown): Buffer {
  return Buffer.from(JSON.stringify({ ok: true, result }));
}

/** The body of an error reply. */
export function encodeError(code: RpcErrorCode, message: string): Buffer {
  return Buffer.from(JSON.stringify({ ok: false, error: { code, message } }));
}

/** A reply body as the caller sees it: the raw result, or the error it stands for. */
export function decodeReply(
  content: Buffer,
): { ok: true; result: unknown } | { ok: false; error: RpcError } {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    return { ok: false, error: new RpcError('REMOTE', 'malformed reply: body is not JSON') };
  }
  if (typeof body === 'object' && body !== null && 'ok' in body) {
    if (body.ok === true && 'result' in body) return { ok: true, result: body.result };
    if (body.ok === false && 'error' in body && typeof body.error === 'object' && body.error) {
      const { code, message } = body.error as { code?: unknown; message?: unknown };
      const text = typeof message === 'string' ? message : 'remote error without a message';
      if (isRpcErrorCode(code)) return { ok: false, error: new RpcError(code, text) };
      return { ok: false, error: new RpcError('REMOTE', `${String(code)}: ${text}`) };
    }
  }
  return { ok: false, error: new RpcError('REMOTE', 'malformed reply: not {ok, result|error}') };
}

/** Validates a result against its schema; `what` names it in the error message. */
export function checkResult(
  schema: z.ZodType,
  result: unknown,
  what: string,
): { ok: true; result: unknown } | { ok: false; message: string } {
  const parsed = schema.safeParse(result);
  if (parsed.success) return { ok: true, result: parsed.data };
  return {
    ok: false,
    message: `invalid result from ${what}: ${formatIssues(parsed.error, 'result')}`,
  };
}
