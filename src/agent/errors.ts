// The ways an apply is refused; the agent maps INVALID to BAD_REQUEST and the rest to REMOTE.

/** INVALID: the config fails the strict patterns; CONFLICT: another resource holds a host+path; REJECTED: the proxy refused it. */
export type ApplyErrorCode = 'INVALID' | 'CONFLICT' | 'REJECTED';

/** An apply that was refused; nothing was changed. */
export class ApplyError extends Error {
  override name = 'ApplyError';
  readonly code: ApplyErrorCode;

  constructor(code: ApplyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
