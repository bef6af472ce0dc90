import { isDeepStrictEqual } from 'node:util';
import type { IngressStatus } from './types.ts';

/** Whether writing `next` would change nothing a reader cares about (JSON-equal). */
export function statusEqual(current: IngressStatus | undefined, next: IngressStatus): boolean {
  return isDeepStrictEqual(
    JSON.parse(JSON.stringify(current ?? {})),
    JSON.parse(JSON.stringify(next)),
  );
}
