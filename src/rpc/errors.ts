// The typed errors every RPC call and handler speaks (DESIGN.md "RPC protocol v1").

/** Why a call failed, as seen by the caller. */
export type RpcErrorCode =
  'TIMEOUT' | 'UNROUTABLE' | 'UNAVAILABLE' | 'BAD_REQUEST' | 'REMOTE' | 'UNKNOWN_METHOD';

const CODES: ReadonlySet<string> = new Set<RpcErrorCode>([
  'TIMEOUT',
  'UNROUTABLE',
  'UNAVAILABLE',
  'BAD_REQUEST',
  'REMOTE',
  'UNKNOWN_METHOD',
]);

/** True when `value` is one of the protocol's error codes. */
export function isRpcErrorCode(value: unknown): value is RpcErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** A failed call (client side) or a deliberate failure of a handler (server side). */
export class RpcError extends Error {
  readonly code: RpcErrorCode;

  constructor(code: RpcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpcError';
    this.code = code;
  }
}

/** Narrows an unknown error to an error message, for replies and events. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
