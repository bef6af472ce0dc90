// A CustomResourceDefinition turned into the resource types it defines (one per served version),
// and the status the real server's controllers give an accepted CRD.
import type { Column, ResourceType } from './resources.ts';
import { isObj, text, type Obj, type Schema } from './schema.ts';
import { nowTime } from './times.ts';

/** The resource types a (valid) CRD serves, one per served version. */
export function typesFromCrd(crd: Obj): ResourceType[] {
  const spec = crd.spec as Obj;
  const names = spec.names as Obj;
  const group = spec.group as string;
  const plural = names.plural as string;
  const kind = names.kind as string;
  const versions = (spec.versions as Obj[]).filter((v) => v.served !== false);
  return versions.map((v) => {
    const schema = (v.schema as Obj).openAPIV3Schema as Schema;
    const subresources = isObj(v.subresources) ? v.subresources : {};
    const printer = Array.isArray(v.additionalPrinterColumns)
      ? (v.additionalPrinterColumns as Obj[])
      : [];
    const columns: Column[] =
      printer.length > 0
        ? printer.map((c) => ({
            name: c.name as string,
            type: c.type as string,
            format: typeof c.format === 'string' ? c.format : '',
            description:
              typeof c.description === 'string'
                ? c.description
                : `Custom resource definition column (in JSONPath format): ${String(c.jsonPath)}`,
            priority: typeof c.priority === 'number' ? c.priority : 0,
            jsonPath: c.jsonPath as string,
          }))
        : [
            {
              name: 'Age',
              type: 'date',
              description:
                'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp',
              jsonPath: '.metadata.creationTimestamp',
              format: '',
              priority: 0,
            },
          ];
    const selectable = Array.isArray(v.selectableFields) ? (v.selectableFields as Obj[]) : [];
    return {
      group,
      version: v.name as string,
      kind,
      listKind: typeof names.listKind === 'string' ? names.listKind : `${kind}List`,
      plural,
      singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
      shortNames: Array.isArray(names.shortNames) ? (names.shortNames as string[]) : [],
      categories: Array.isArray(names.categories) ? (names.categories as string[]) : [],
      namespaced: spec.scope === 'Namespaced',
      storage: `${group}/${plural}`,
      status: isObj(subresources.status),
      generation: true,
      custom: true,
      unconditionalUpdate: false,
      schema,
      columns,
      fieldSelectors: Object.fromEntries(
        selectable.map((f) => [
          String(f.jsonPath).slice(1),
          (o: Obj) => scalarAt(o, String(f.jsonPath).slice(1)),
        ]),
      ),
      crd: (crd.metadata as Obj).name as string,
    } satisfies ResourceType;
  });
}

function scalarAt(obj: Obj, dotted: string): string | undefined {
  let cur: unknown = obj;
  for (const key of dotted.split('.')) cur = isObj(cur) ? cur[key] : undefined;
  return cur === undefined || cur === null || isObj(cur) ? undefined : text(cur);
}

/** The status the real server's CRD controllers write once names are accepted: Established. */
export function establishedStatus(crd: Obj): Obj {
  const spec = crd.spec as Obj;
  const names = { ...(spec.names as Obj) };
  names.singular ??= String(names.kind).toLowerCase();
  names.listKind ??= `${String(names.kind)}List`;
  const now = nowTime();
  const storage = (spec.versions as Obj[]).find((v) => v.storage === true)?.name;
  const previous =
    isObj(crd.status) && Array.isArray(crd.status.storedVersions)
      ? (crd.status.storedVersions as string[])
      : [];
  return {
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: now,
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: now,
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    acceptedNames: names,
    storedVersions: [...new Set([...previous, ...(storage ? [storage as string] : [])])],
  };
}

/** The status of a CRD being deleted: Terminating while its custom resources are removed. */
export function terminatingStatus(crd: Obj): Obj {
  const status = isObj(crd.status) ? { ...crd.status } : {};
  const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).filter(
    (c) => c.type !== 'Terminating',
  );
  conditions.push({
    type: 'Terminating',
    status: 'True',
    lastTransitionTime: nowTime(),
    reason: 'InstanceDeletionInProgress',
    message: 'CustomResource deletion is in progress',
  });
  return { ...status, conditions };
}
