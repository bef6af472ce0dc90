// Timestamps as the real server writes them: metav1.Time (seconds) and MicroTime (microseconds),
// always UTC; a built-in object with an unparsable time is a 400, as decoding it fails there.
import { badRequest } from './errors.ts';
import { isObj, type Obj } from './schema.ts';

/** Now as metav1.Time: `2006-01-02T15:04:05Z`. */
export function nowTime(now = Date.now()): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Rewrites the time at `path` (dotted) in place: seconds, or microseconds when `micro`. */
export function normalizeTime(obj: Obj, path: string, micro: boolean): void {
  const keys = path.split('.');
  let parent: unknown = obj;
  for (const key of keys.slice(0, -1)) {
    parent = isObj(parent) ? parent[key] : undefined;
  }
  const last = keys.at(-1) as string;
  if (!isObj(parent) || parent[last] === undefined || parent[last] === null) return;
  const value = parent[last];
  const m =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value)
      : null;
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  if (!m || Number.isNaN(ms)) {
    throw badRequest(`${path}: parsing time ${JSON.stringify(value)}: not RFC 3339`);
  }
  const base = new Date(ms).toISOString().slice(0, 19);
  const fraction = ((m[2] ?? '.').slice(1) + '000000').slice(0, 6);
  parent[last] = micro ? `${base}.${fraction}Z` : `${base}Z`;
}

/** How long ago `timestamp` was, as kubectl shows ages (apimachinery's HumanDuration). */
export function since(timestamp: unknown, now = Date.now()): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now - t);
}

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${hours / 24}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}
