// Fault injection for tests: the next `count` requests matching a method and path answer an error
// Status instead of being served.
import { ApiError } from './errors.ts';

/** One injected fault. `pathPattern` is matched against the path and query string. */
export interface FaultSpec {
  method?: string;
  pathPattern: RegExp;
  status: number;
  retryAfterSeconds?: number;
  count: number;
  message?: string;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The pending faults, consumed in the order they were injected. */
export class Faults {
  readonly #pending: FaultSpec[] = [];
  #served = 0;

  /** Adds a fault for the next `count` matching requests. */
  inject(spec: FaultSpec): void {
    if (!Number.isInteger(spec.count) || spec.count < 1)
      throw new RangeError('fault count must be a positive integer');
    this.#pending.push({ ...spec });
  }

  /** Drops every pending fault. */
  clear(): void {
    this.#pending.length = 0;
  }

  /** How many requests were answered with an injected fault. */
  get served(): number {
    return this.#served;
  }

  /** The error to answer this request with, if a fault matches (and consumes one of its count). */
  take(method: string, pathAndQuery: string): ApiError | undefined {
    const i = this.#pending.findIndex(
      (f) => (!f.method || f.method.toUpperCase() === method) && f.pathPattern.test(pathAndQuery),
    );
    if (i < 0) return undefined;
    const f = this.#pending[i] as FaultSpec;
    if (--f.count === 0) this.#pending.splice(i, 1);
    this.#served++;
    const reason = REASONS[f.status] ?? 'InternalError';
    return new ApiError(
      f.status,
      reason,
      f.message ?? `injected fault: ${reason}`,
      f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : undefined,
    );
  }
}
