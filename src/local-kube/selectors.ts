// Label and field selectors as the real server parses them (`?labelSelector=`, `?fieldSelector=`).
import { badRequest } from './errors.ts';

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** A parsed selector: a predicate on an object's labels (or fields). */
export type Matcher = (values: Readonly<Record<string, string>>) => boolean;

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Parses a label selector; an unparsable one is a 400, like the real server's. */
export function parseLabelSelector(text: string | null | undefined): Matcher {
  const reqs: Requirement[] = [];
  for (const part of splitTop(text ?? '')) reqs.push(parseRequirement(part));
  return (labels) => reqs.every((r) => matches(r, labels));
}

/** Parses a field selector, allowing only the fields in `supported`. */
export function parseFieldSelector(
  text: string | null | undefined,
  supported: readonly string[],
): Matcher {
  const reqs: Requirement[] = [];
  for (const part of splitTop(text ?? '')) {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, key = '', op, value = ''] = m;
    if (!supported.includes(key)) throw badRequest(`field label not supported: ${key}`);
    reqs.push({ key, op: op === '!=' ? 'notin' : 'in', values: [value] });
  }
  return (fields) =>
    reqs.every((r) => {
      const v = fields[r.key] ?? '';
      return r.op === 'in' ? v === r.values[0] : v !== r.values[0];
    });
}

function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '' || parts.length > 0) parts.push(current.trim());
  for (const p of parts)
    if (p === '') throw badRequest(`unable to parse requirement: empty requirement in '${text}'`);
  return parts;
}

function parseRequirement(part: string): Requirement {
  let m = /^!\s*(\S+)$/.exec(part);
  if (m) return checked({ key: m[1] ?? '', op: '!', values: [] });
  m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (m) {
    const values = (m[3] ?? '').split(',').map((v) => v.trim());
    return checked({ key: m[1] ?? '', op: m[2] as 'in' | 'notin', values });
  }
  m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (m)
    return checked({ key: m[1] ?? '', op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] ?? ''] });
  if (/^[^\s!=()]+$/.test(part)) return checked({ key: part, op: 'exists', values: [] });
  throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
}

function checked(r: Requirement): Requirement {
  if (!KEY.test(r.key)) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${r.key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
    );
  }
  for (const v of r.values) {
    if (v.length > 63 || !VALUE.test(v)) {
      throw badRequest(
        `unable to parse requirement: invalid label value: "${v}": must be no more than 63 characters and consist of alphanumeric characters, '-', '_' or '.'`,
      );
    }
  }
  return r;
}

function matches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'in':
      return has && r.values.includes(labels[r.key] as string);
    case 'notin':
      return !has || !r.values.includes(labels[r.key] as string);
  }
}
