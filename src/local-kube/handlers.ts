// The resource endpoints: /api/v1/... and /apis/<group>/<version>/..., every verb.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiate } from './content.ts';
import { deleteObject } from './deletion.ts';
import { ApiError, badRequest, invalid, methodNotAllowed, statusObject } from './errors.ts';
import { readBody, sendObject } from './http.ts';
import { listEnvelope, listObjects, selectorOf } from './list.ts';
import { encode, type Objects, type WriteOptions } from './objects.ts';
import { jsonPatch, mergePatch, PatchTestFailed, strategicMergePatch } from './patch.ts';
import type { Registry, ResourceType } from './resources.ts';
import { isObj, type Obj } from './schema.ts';
import { partialMetadata, toTable, type IncludeObject } from './table.ts';
import { serveWatch, type OpenWatch } from './watch.ts';

/** What the handlers share: the engine and the open watches. */
export interface ApiContext {
  registry: Registry;
  objects: Objects;
  watches: Set<OpenWatch>;
  bookmarkIntervalMs: number;
}

interface Target {
  t: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

const notFoundPath = () =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource');

function resolve(registry: Registry, group: string, version: string, rest: string[]): Target {
  let namespace: string | undefined;
  let parts = rest;
  if (
    parts[0] === 'namespaces' &&
    parts.length >= 3 &&
    !(parts.length === 3 && (parts[2] === 'status' || parts[2] === 'finalize'))
  ) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [plural, name, sub, ...extra] = parts;
  const t = plural ? registry.get(group, version, plural) : undefined;
  if (!t || extra.length > 0 || name === '') throw notFoundPath();
  if (namespace !== undefined && !t.namespaced) throw notFoundPath();
  if (name !== undefined && t.namespaced && namespace === undefined) throw notFoundPath();
  if (
    sub !== undefined &&
    !((sub === 'status' && t.status) || (sub === 'finalize' && t.plural === 'namespaces'))
  )
    throw notFoundPath();
  return { t, namespace, name, sub };
}

function writeOptions(query: URLSearchParams, sub: string | undefined): WriteOptions {
  const fv = query.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
    throw badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Warn", "Strict"`,
    );
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All'))
    throw badRequest(`dryRun: Unsupported value: "${dryRun.join(',')}": supported values: "All"`);
  return {
    fieldValidation: fv,
    dryRun: dryRun.length > 0,
    ...(sub === 'status' || sub === 'finalize' ? { subresource: 'status' as const } : {}),
  };
}

/** Serves one request to a resource endpoint. */
export async function handleResource(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  group: string,
  version: string,
  rest: string[],
): Promise<void> {
  const { t, namespace, name, sub } = resolve(ctx.registry, group, version, rest);
  const query = url.searchParams;
  const method = req.method ?? 'GET';
  const ns = namespace ?? '';
  if (name === undefined) {
    if (method === 'GET') return collection(ctx, req, res, t, namespace, query);
    if (method === 'POST') {
      if (namespace === undefined && t.namespaced) throw notFoundPath();
      const body = await readBody(req);
      const result = ctx.objects.create(t, ns, body, writeOptions(query, undefined));
      return sendObject(res, 201, encode(t, result.object), 'application/json', result.warnings);
    }
    if (method === 'DELETE') {
      const opts = await readBody(req);
      const match = selectorOf(t, query);
      const deleted: Obj[] = [];
      for (const obj of [...ctx.objects.store.list(t.storage, namespace)].filter(match)) {
        const meta = obj.metadata as Obj;
        deleted.push(
          encode(
            t,
            deleteObject(
              ctx.objects,
              t,
              (meta.namespace as string | undefined) ?? '',
              meta.name as string,
              opts,
              writeOptions(query, undefined).dryRun,
            ).object,
          ),
        );
      }
      return sendObject(
        res,
        200,
        listEnvelope(t, deleted, { resourceVersion: String(ctx.objects.store.resourceVersion) }),
      );
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  switch (method) {
    case 'GET': {
      const obj = encode(t, ctx.objects.current(t, ns, name));
      const neg = negotiate(req.headers.accept, false);
      if (neg.as === 'table')
        return sendObject(
          res,
          200,
          toTable(t, [obj], includeOf(query), {
            resourceVersion: (obj.metadata as Obj).resourceVersion,
          }),
          neg.contentType,
        );
      if (neg.as === 'metadata') return sendObject(res, 200, partialMetadata(obj), neg.contentType);
      return sendObject(res, 200, obj, neg.contentType);
    }
    case 'PUT': {
      const body = await readBody(req);
      const result = ctx.objects.update(t, ns, name, body, writeOptions(query, sub));
      return sendObject(res, 200, encode(t, result.object), 'application/json', result.warnings);
    }
    case 'PATCH': {
      if (sub === 'finalize')
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      const body = await readBody(req);
      const current = encode(t, ctx.objects.current(t, ns, name));
      const patched = applyPatch(t, req.headers['content-type'], current, body, name);
      const result = ctx.objects.update(t, ns, name, patched, {
        ...writeOptions(query, sub),
        fromPatch: true,
      });
      return sendObject(res, 200, encode(t, result.object), 'application/json', result.warnings);
    }
    case 'DELETE': {
      if (sub !== undefined)
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      const opts = await readBody(req);
      const result = deleteObject(
        ctx.objects,
        t,
        ns,
        name,
        opts,
        writeOptions(query, undefined).dryRun,
      );
      if (!result.removed) return sendObject(res, 200, encode(t, result.object));
      const meta = result.object.metadata as Obj;
      return sendObject(
        res,
        200,
        statusObject(200, '', '', {
          name,
          group: t.group,
          kind: t.plural,
          uid: meta.uid as string,
        }),
      );
    }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}

function includeOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object')
    throw badRequest(`includeObject: Unsupported value: "${v}"`);
  return v;
}

function collection(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
): void {
  const watch = query.get('watch');
  const neg = negotiate(req.headers.accept, watch === null || watch === 'false' || watch === '0');
  if (watch === 'true' || watch === '1') {
    const timeoutSeconds = query.get('timeoutSeconds');
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    if (
      sendInitialEvents &&
      (query.get('resourceVersionMatch') !== 'NotOlderThan' ||
        query.get('allowWatchBookmarks') !== 'true')
    ) {
      throw invalid('ListOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueForbidden',
          field: 'sendInitialEvents',
          message:
            'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
        },
      ]);
    }
    const timeoutMs =
      timeoutSeconds !== null ? Number(timeoutSeconds) * 1000 : 1800_000 * (1 + Math.random());
    return serveWatch(
      res,
      ctx.objects.store,
      {
        type: t,
        namespace,
        matches: selectorOf(t, query),
        resourceVersion: query.get('resourceVersion') ?? undefined,
        bookmarks: query.get('allowWatchBookmarks') === 'true',
        sendInitialEvents,
        timeoutMs,
        as: neg.as === 'yaml' ? 'json' : neg.as,
        include: includeOf(query),
        contentType: neg.as === 'yaml' ? 'application/json' : neg.contentType,
      },
      ctx.bookmarkIntervalMs,
      ctx.watches,
    );
  }
  const { items, metadata } = listObjects(ctx.objects.store, t, namespace, query);
  if (neg.as === 'table')
    return sendObject(res, 200, toTable(t, items, includeOf(query), metadata), neg.contentType);
  if (neg.as === 'metadata') {
    return sendObject(
      res,
      200,
      {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata,
        items: items.map((o) => partialMetadata(o)),
      },
      neg.contentType,
    );
  }
  return sendObject(res, 200, listEnvelope(t, items, metadata), neg.contentType);
}

function applyPatch(
  t: ResourceType,
  contentType: string | undefined,
  current: Obj,
  patch: unknown,
  name: string,
): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim();
  try {
    switch (type) {
      case 'application/merge-patch+json':
        if (!isObj(patch))
          throw badRequest(
            'json: cannot unmarshal array into Go value of type map[string]interface {}',
          );
        return mergePatch(current, patch);
      case 'application/json-patch+json':
        return jsonPatch(current, patch);
      case 'application/strategic-merge-patch+json':
        if (!t.custom) return strategicMergePatch(current, patch);
        break;
      case 'application/apply-patch+yaml':
      case 'application/apply-patch+cbor':
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          'local-kube does not implement server-side apply; use kubectl apply without --server-side, or a merge patch',
        );
    }
  } catch (error) {
    if (error instanceof PatchTestFailed)
      throw invalid(t.kind, t.group, name, [
        { reason: 'FieldValueInvalid', message: error.message },
      ]);
    throw error;
  }
  const accepted = t.custom
    ? 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
    : 'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml';
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted}`,
  );
}
