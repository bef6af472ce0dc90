// OpenAPI v3 (/openapi/v3 and one document per group/version): what kubectl needs to know that
// every resource takes `fieldValidation` on PATCH (so it leaves validation to the server), plus
// each CRD's schema for `kubectl explain`. No /openapi/v2: kubectl falls back without it.
import { createHash } from 'node:crypto';
import { groupVersion, type Registry, type ResourceType } from './resources.ts';
import type { Obj } from './schema.ts';

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

/** `/openapi/v3/<path>` documents by path (`api/v1`, `apis/<group>/<version>`). */
export function openApiDocuments(registry: Registry): Map<string, { doc: Obj; hash: string }> {
  const byGv = new Map<string, ResourceType[]>();
  for (const t of registry.all()) {
    const path = t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
    byGv.set(path, [...(byGv.get(path) ?? []), t]);
  }
  const out = new Map<string, { doc: Obj; hash: string }>();
  for (const [path, types] of byGv) {
    const doc = document(types);
    out.set(path, {
      doc,
      hash: createHash('sha512')
        .update(JSON.stringify(doc))
        .digest('hex')
        .slice(0, 128)
        .toUpperCase(),
    });
  }
  return out;
}

/** The /openapi/v3 root: where each group/version's document is. */
export function openApiRoot(docs: Map<string, { hash: string }>): Obj {
  return {
    paths: Object.fromEntries(
      [...docs].map(([p, { hash }]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` }]),
    ),
  };
}

function schemaName(t: ResourceType): string {
  const reversed = (t.group || 'io.k8s.api.core').split('.').reverse().join('.');
  return `${reversed}.${t.version}.${t.kind}`;
}

function document(types: ResourceType[]): Obj {
  const paths: Obj = {};
  const schemas: Obj = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
    const base = `/${t.group ? 'apis' : 'api'}/${groupVersion(t)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const op = (action: string, extra: Obj = {}) => ({
      operationId: `${action}${t.kind}`,
      parameters: QUERY_PARAMS.map((name) => ({
        name,
        in: 'query',
        schema: { type: 'string', uniqueItems: true },
      })),
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const patchBody = {
      requestBody: {
        content: {
          'application/json-patch+json': { schema: { type: 'object' } },
          'application/merge-patch+json': { schema: { type: 'object' } },
        },
        required: true,
      },
    };
    paths[base] = {
      get: op('list'),
      post: op('post', { requestBody: { content: { '*/*': { schema: ref } }, required: true } }),
    };
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put'),
      patch: op('patch', patchBody),
      delete: op('delete'),
    };
    if (t.status)
      paths[`${base}/{name}/status`] = {
        get: op('get'),
        put: op('put'),
        patch: op('patch', patchBody),
      };
    schemas[schemaName(t)] = {
      ...(t.schema ?? { type: 'object' }),
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}
