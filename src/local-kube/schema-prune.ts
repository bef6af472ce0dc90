// Pruning (unknown fields dropped, or reported for fieldValidation=Strict) and defaulting, as the
// real server applies a structural schema to every custom resource it decodes.
import { childPath, clone, isObj, type Obj, type Schema } from './schema.ts';

/** Removes fields the schema does not declare, in place; returns their paths. */
export function prune(value: unknown, schema: Schema, path = '', root = true): string[] {
  const unknown: string[] = [];
  walk(value, schema, path, root, unknown);
  return unknown;
}

function walk(
  value: unknown,
  schema: Schema,
  path: string,
  root: boolean,
  unknown: string[],
): void {
  if (Array.isArray(value)) {
    if (schema.items)
      value.forEach((v, i) => walk(v, schema.items as Schema, childPath(path, i), false, unknown));
    return;
  }
  if (!isObj(value)) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  const props = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    const child = childPath(path, key);
    if ((root || embedded) && (key === 'apiVersion' || key === 'kind')) continue;
    if ((root || embedded) && key === 'metadata') {
      if (isObj(value.metadata)) pruneMetadata(value.metadata, child, unknown);
      continue;
    }
    const sub =
      props[key] ?? (isObj(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) walk(value[key], sub, child, false, unknown);
    else if (!preserve && schema.additionalProperties !== true) {
      delete value[key];
      unknown.push(child);
    }
  }
}

const META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Drops what ObjectMeta does not have, as decoding into ObjectMeta does. */
export function pruneMetadata(meta: Obj, path: string, unknown: string[]): void {
  for (const key of Object.keys(meta)) {
    if (!META_FIELDS.has(key)) {
      delete meta[key];
      unknown.push(childPath(path, key));
    }
  }
}

/** Applies `default`s in place: missing fields get theirs, and so do non-nullable nulls. */
export function applyDefaults(value: unknown, schema: Schema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  if (!isObj(value)) return;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const has = Object.hasOwn(value, key);
    if ((!has || (value[key] === null && !sub.nullable)) && sub.default !== undefined) {
      value[key] = clone(sub.default);
    }
    if (Object.hasOwn(value, key)) applyDefaults(value[key], sub);
  }
  if (isObj(schema.additionalProperties)) {
    const props = schema.properties ?? {};
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(props, key)) applyDefaults(value[key], schema.additionalProperties);
    }
  }
}
