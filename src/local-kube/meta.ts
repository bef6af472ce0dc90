// ObjectMeta rules the real server enforces on every write: names, labels, annotations,
// finalizers, and the fields only the server sets.
import { randomBytes, randomUUID } from 'node:crypto';
import type { StatusCause } from './errors.ts';
import { isObj, type Obj } from './schema.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** The metadata object of `obj`, created when absent. */
export function metaOf(obj: Obj): Obj {
  if (!isObj(obj.metadata)) obj.metadata = {};
  return obj.metadata as Obj;
}

/** A name from generateName: the prefix and five random characters, as the real server picks. */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += NAME_CHARS[b % NAME_CHARS.length];
  return `${prefix.slice(0, 58)}${suffix}`;
}

/** A fresh uid. */
export function newUid(): string {
  return randomUUID();
}

/** Validates ObjectMeta as the real server does for a namespaced or cluster-scoped object. */
export function validateMeta(meta: Obj, opts: { dnsLabelName?: boolean }): StatusCause[] {
  const out: StatusCause[] = [];
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    out.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else if (
    opts.dnsLabelName
      ? name.length > 63 || !DNS_LABEL.test(name)
      : name.length > 253 || !DNS_SUBDOMAIN.test(name)
  ) {
    const what = opts.dnsLabelName
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    out.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: ${what}`,
    });
  }
  checkMap(meta.labels, 'metadata.labels', true, out);
  checkMap(meta.annotations, 'metadata.annotations', false, out);
  if (
    isObj(meta.annotations) &&
    Buffer.byteLength(JSON.stringify(meta.annotations)) > ANNOTATIONS_MAX_BYTES
  ) {
    out.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${ANNOTATIONS_MAX_BYTES} bytes`,
    });
  }
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers)) {
      out.push({
        reason: 'FieldValueTypeInvalid',
        field: 'metadata.finalizers',
        message: 'Invalid value: must be a list of strings',
      });
    } else {
      meta.finalizers.forEach((f, i) => {
        if (typeof f !== 'string' || !QUALIFIED.test(f) || f.length > 316) {
          out.push({
            reason: 'FieldValueInvalid',
            field: `metadata.finalizers[${i}]`,
            message: `Invalid value: ${JSON.stringify(f)}: name part must consist of alphanumeric characters, '-', '_' or '.'`,
          });
        }
      });
    }
  }
  return out;
}

function checkMap(map: unknown, field: string, labels: boolean, out: StatusCause[]): void {
  if (map === undefined || map === null) return;
  if (!isObj(map)) {
    out.push({
      reason: 'FieldValueTypeInvalid',
      field,
      message: 'Invalid value: must be a map of strings',
    });
    return;
  }
  for (const [k, v] of Object.entries(map)) {
    if (!QUALIFIED.test(k) || k.split('/').at(-1)!.length > 63) {
      out.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
    if (typeof v !== 'string') {
      out.push({
        reason: 'FieldValueTypeInvalid',
        field: `${field}[${k}]`,
        message: 'Invalid value: must be a string',
      });
    } else if (labels && (v.length > 63 || !LABEL_VALUE.test(v))) {
      out.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
  }
}

/** Metadata fields the server owns: a write keeps the stored values of these. */
export const SERVER_OWNED = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'resourceVersion',
  'selfLink',
] as const;

/** `finalizers` as a list of strings (empty when absent). */
export function finalizersOf(obj: Obj): string[] {
  const f = metaOf(obj).finalizers;
  return Array.isArray(f) ? (f as string[]) : [];
}
