// Just enough of Kubernetes' protobuf encoding to read the one body kubectl sends that way to the
// types local-kube serves: `kubectl create namespace`. Anything else stays a 415.
import { ApiError } from './errors.ts';
import type { Obj } from './schema.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

type Fields = Map<number, (Buffer | number)[]>;

function readVarint(buf: Buffer, pos: { i: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos.i++];
    if (byte === undefined) throw new Error('truncated varint');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
  }
}

function parse(buf: Buffer): Fields {
  const fields: Fields = new Map();
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    let value: Buffer | number;
    switch (key & 7) {
      case 0:
        value = readVarint(buf, pos);
        break;
      case 2: {
        const len = readVarint(buf, pos);
        value = buf.subarray(pos.i, pos.i + len);
        pos.i += len;
        break;
      }
      case 1:
        value = buf.subarray(pos.i, (pos.i += 8));
        break;
      case 5:
        value = buf.subarray(pos.i, (pos.i += 4));
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const str = (f: Fields, n: number): string | undefined => {
  const v = f.get(n)?.at(-1);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
};
const strs = (f: Fields, n: number): string[] =>
  (f.get(n) ?? []).filter((b): b is Buffer => Buffer.isBuffer(b)).map((b) => b.toString('utf8'));
const map = (f: Fields, n: number): Record<string, string> | undefined => {
  const entries = (f.get(n) ?? []).filter((b): b is Buffer => Buffer.isBuffer(b)).map(parse);
  return entries.length
    ? Object.fromEntries(entries.map((e) => [str(e, 1) ?? '', str(e, 2) ?? '']))
    : undefined;
};

function objectMeta(f: Fields): Obj {
  const meta: Obj = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) meta[k] = v;
  };
  set('name', str(f, 1));
  set('generateName', str(f, 2));
  set('namespace', str(f, 3));
  set('labels', map(f, 11));
  set('annotations', map(f, 12));
  set(
    'ownerReferences',
    (f.get(13) ?? [])
      .filter((b): b is Buffer => Buffer.isBuffer(b))
      .map(parse)
      .map((r) => ({
        apiVersion: str(r, 5),
        kind: str(r, 1),
        name: str(r, 3),
        uid: str(r, 4),
        ...(r.has(6) ? { controller: r.get(6)?.at(-1) === 1 } : {}),
        ...(r.has(7) ? { blockOwnerDeletion: r.get(7)?.at(-1) === 1 } : {}),
      })),
  );
  set('finalizers', strs(f, 14));
  return meta;
}

/** Decodes a protobuf-encoded Namespace (the runtime.Unknown envelope); 415 for anything else. */
export function decodeProtobuf(body: Buffer): Obj {
  const unsupported = () =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (local-kube reads protobuf only for Namespaces)',
    );
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported();
  try {
    const unknown = parse(body.subarray(4));
    const typeMeta = parse((unknown.get(1)?.at(-1) as Buffer | undefined) ?? Buffer.alloc(0));
    if (str(typeMeta, 2) !== 'Namespace' || str(typeMeta, 1) !== 'v1') throw unsupported();
    const ns = parse((unknown.get(2)?.at(-1) as Buffer | undefined) ?? Buffer.alloc(0));
    const out: Obj = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: objectMeta(parse((ns.get(1)?.at(-1) as Buffer | undefined) ?? Buffer.alloc(0))),
    };
    const spec = ns.get(2)?.at(-1);
    if (Buffer.isBuffer(spec)) {
      const finalizers = strs(parse(spec), 1);
      if (finalizers.length > 0) out.spec = { finalizers };
    }
    return out;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(
      400,
      'BadRequest',
      `the body of the request could not be decoded: ${(error as Error).message}`,
    );
  }
}
