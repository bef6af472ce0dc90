// LIST: selectors, resourceVersion semantics (NotOlderThan, Exact), and limit/continue pages
// served from a consistent snapshot, as the real server pages from etcd.
import { ApiError, badRequest, expired } from './errors.ts';
import { encode } from './objects.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import type { Obj } from './schema.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { Store } from './store.ts';

/** The object filter of a list/watch/deletecollection request. */
export function selectorOf(t: ResourceType, query: URLSearchParams): (obj: Obj) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const supported = [
    'metadata.name',
    ...(t.namespaced ? ['metadata.namespace'] : []),
    ...Object.keys(t.fieldSelectors),
  ];
  const fields = parseFieldSelector(query.get('fieldSelector'), supported);
  return (obj) => {
    const meta = obj.metadata as Obj;
    const l = (meta.labels ?? {}) as Record<string, string>;
    if (!labels(l)) return false;
    const values: Record<string, string> = {
      'metadata.name': meta.name as string,
      'metadata.namespace': (meta.namespace as string | undefined) ?? '',
    };
    for (const [k, f] of Object.entries(t.fieldSelectors)) values[k] = f(obj) ?? '';
    return fields(values);
  };
}

/** A list response (served objects) for `t`, honouring resourceVersion, limit and continue. */
export function listObjects(
  store: Store,
  t: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
): { items: Obj[]; metadata: Obj } {
  const match = selectorOf(t, query);
  const rvParam = query.get('resourceVersion') ?? '';
  const rvMatch = query.get('resourceVersionMatch') ?? '';
  const token = query.get('continue');
  const limit = Number(query.get('limit') ?? 0);
  if (rvMatch && !rvParam)
    throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (rvMatch && rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan')
    throw badRequest(`resourceVersionMatch: Unsupported value: "${rvMatch}"`);
  if (token && rvParam)
    throw badRequest('specifying resource version is not allowed when using continue');
  let at = store.resourceVersion;
  let start = '';
  if (token) {
    const parsed = decodeContinue(token);
    at = parsed.rv;
    start = parsed.start;
  } else if (rvParam && rvParam !== '0') {
    const rv = Number(rvParam);
    if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resource version: ${rvParam}`);
    if (rv > store.resourceVersion) {
      throw new ApiError(
        504,
        'Timeout',
        `Too large resource version: ${rv}, current: ${store.resourceVersion}`,
        {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        },
      );
    }
    if (rvMatch === 'Exact') at = rv;
  }
  const snapshot = store.snapshotAt(t.storage, at);
  if (!snapshot) {
    throw expired(
      token
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
        : `too old resource version: ${at} (${store.resourceVersion})`,
    );
  }
  const scoped = snapshot.filter((o) => {
    const meta = o.metadata as Obj;
    return (
      (namespace === undefined || meta.namespace === namespace) && keyOf(o) > start && match(o)
    );
  });
  const page = limit > 0 ? scoped.slice(0, limit) : scoped;
  const metadata: Obj = { resourceVersion: String(at) };
  if (limit > 0 && scoped.length > limit) {
    metadata.continue = encodeContinue(at, keyOf(page.at(-1) as Obj));
    if (!query.get('labelSelector') && !query.get('fieldSelector'))
      metadata.remainingItemCount = scoped.length - limit;
  }
  return { items: page.map((o) => encode(t, o)), metadata };
}

/** The list object (kind XList) around served items; built-in lists' items carry no kind/apiVersion. */
export function listEnvelope(t: ResourceType, items: Obj[], metadata: Obj): Obj {
  const shaped = t.custom ? items : items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  return { apiVersion: groupVersion(t), kind: t.listKind, metadata, items: shaped };
}

function keyOf(o: Obj): string {
  const meta = o.metadata as Obj;
  return `${(meta.namespace as string | undefined) ?? ''}/${meta.name as string}`;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (
      parsed.v !== 'meta.k8s.io/v1' ||
      typeof parsed.rv !== 'number' ||
      typeof parsed.start !== 'string'
    )
      throw new Error('bad token');
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}
