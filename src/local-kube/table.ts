// Server-side printing: Table (what `kubectl get` asks for) and PartialObjectMetadata.
import { JSONPath } from 'jsonpath-plus';
import type { Column, ResourceType } from './resources.ts';
import { isObj, text, type Obj } from './schema.ts';
import { since } from './times.ts';

/** How much of each object a Table row carries (`?includeObject=`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** The column definitions of `t`'s Table. */
export function columnDefinitions(t: ResourceType): Obj[] {
  return [
    NAME_COLUMN,
    ...t.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? c.name,
      priority: c.priority ?? 0,
    })),
  ];
}

/** A Table of served objects; `listMeta` is the list's metadata (resourceVersion, continue). */
export function toTable(
  t: ResourceType,
  items: readonly Obj[],
  include: IncludeObject,
  listMeta: Obj,
  withColumns = true,
): Obj {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? columnDefinitions(t) : null,
    rows: items.map((obj) => row(t, obj, include)),
  };
}

function row(t: ResourceType, obj: Obj, include: IncludeObject): Obj {
  const meta = obj.metadata as Obj;
  const cells = [meta.name, ...t.columns.map((c) => cell(c, obj))];
  const out: Obj = { cells };
  if (include === 'Object') out.object = obj;
  if (include === 'Metadata') out.object = partialMetadata(obj);
  return out;
}

function cell(c: Column, obj: Obj): unknown {
  if (c.cell) return c.cell(obj) ?? null;
  const results = JSONPath({ path: `$${c.jsonPath ?? ''}`, json: obj, wrap: true }) as unknown[];
  // Like the real server: only the first result of a JSONPath counts.
  const value = results[0];
  if (value === undefined || value === null) return null;
  switch (c.type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? since(value) : null;
    default:
      return typeof value === 'string'
        ? value
        : isObj(value) || Array.isArray(value)
          ? JSON.stringify(value)
          : text(value);
  }
}

/** The PartialObjectMetadata of a served object. */
export function partialMetadata(obj: Obj): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}
