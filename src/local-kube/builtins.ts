// The built-in resources local-kube serves: Namespaces, Events (core v1 and events.k8s.io/v1,
// one store), Leases and CustomResourceDefinitions.
import { validateCrd } from './crd-validate.ts';
import type { StatusCause } from './errors.ts';
import type { ResourceType } from './resources.ts';
import { isObj, text, type Obj } from './schema.ts';
import { normalizeTime, since } from './times.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const at = (obj: Obj, ...keys: string[]): unknown =>
  keys.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), obj);
const base = {
  shortNames: [],
  categories: [],
  custom: false,
  generation: false,
  status: false,
  unconditionalUpdate: true,
  fieldSelectors: {},
};
const age = {
  name: 'Age',
  type: 'string',
  cell: (o: Obj) => since(at(o, 'metadata', 'creationTimestamp')),
};

/** Namespaces: phase Active, the `kubernetes` finalizer, and the metadata.name label. */
export const namespaces: ResourceType = {
  ...base,
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  storage: '/namespaces',
  status: true,
  columns: [{ name: 'Status', type: 'string', cell: (o) => at(o, 'status', 'phase') }, age],
  fieldSelectors: { 'status.phase': (o) => str(at(o, 'status', 'phase')) },
  prepareCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
};

const eventTimes = ['firstTimestamp', 'lastTimestamp'];
const eventMicroTimes = ['eventTime', 'series.lastObservedTime'];

/** Core v1 Events. */
export const coreEvents: ResourceType = {
  ...base,
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  storage: '/events',
  columns: [
    {
      name: 'Last Seen',
      type: 'string',
      cell: (o) => since(at(o, 'lastTimestamp') ?? at(o, 'eventTime')),
    },
    { name: 'Type', type: 'string', cell: (o) => at(o, 'type') },
    { name: 'Reason', type: 'string', cell: (o) => at(o, 'reason') },
    {
      name: 'Object',
      type: 'string',
      cell: (o) =>
        `${text(at(o, 'involvedObject', 'kind') ?? '').toLowerCase()}/${text(at(o, 'involvedObject', 'name') ?? '')}`,
    },
    { name: 'Message', type: 'string', cell: (o) => at(o, 'message') },
  ],
  fieldSelectors: Object.fromEntries([
    ...['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map(
      (f) => [`involvedObject.${f}`, (o: Obj) => str(at(o, 'involvedObject', f))],
    ),
    ['reason', (o: Obj) => str(o.reason)],
    ['reportingComponent', (o: Obj) => str(o.reportingComponent)],
    ['source', (o: Obj) => str(at(o, 'source', 'component'))],
    ['type', (o: Obj) => str(o.type)],
  ]) as ResourceType['fieldSelectors'],
  decode(obj) {
    for (const p of eventTimes) normalizeTime(obj, p, false);
    for (const p of eventMicroTimes) normalizeTime(obj, p, true);
    return obj;
  },
  validate(obj) {
    const causes: StatusCause[] = [];
    const ns = str(at(obj, 'involvedObject', 'namespace'));
    const own = str(at(obj, 'metadata', 'namespace'));
    if (ns && own && ns !== own) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'involvedObject.namespace',
        message: `Invalid value: "${ns}": does not match event.namespace`,
      });
    }
    if (obj.type !== undefined && obj.type !== 'Normal' && obj.type !== 'Warning') {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'type',
        message: `Invalid value: ${JSON.stringify(obj.type)}: has invalid value: ${text(obj.type)}`,
      });
    }
    return causes;
  },
};

const renames: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];
function rename(obj: Obj, pairs: [string, string][]): Obj {
  const out: Obj = {};
  const map = new Map(pairs);
  for (const [k, v] of Object.entries(obj)) out[map.get(k) ?? k] = v;
  return out;
}

/** events.k8s.io/v1 Events: the same objects as core Events, under the newer field names. */
export const newEvents: ResourceType = {
  ...coreEvents,
  group: 'events.k8s.io',
  shortNames: ['ev'],
  fieldSelectors: {},
  encode: (stored) =>
    rename(
      stored,
      renames.map(([a, b]) => [b, a]),
    ),
  decode: (served) => (coreEvents.decode as (o: Obj) => Obj)(rename(served, renames)),
  validate(obj, old) {
    const causes = (coreEvents.validate as (o: Obj, old?: Obj) => StatusCause[])(obj, old);
    const required: [string, string][] = [
      ['eventTime', 'eventTime'],
      ['reportingComponent', 'reportingController'],
      ['reportingInstance', 'reportingInstance'],
      ['action', 'action'],
      ['reason', 'reason'],
    ];
    if (!old) {
      for (const [stored, served] of required) {
        if (!obj[stored])
          causes.push({ reason: 'FieldValueRequired', field: served, message: 'Required value' });
      }
    }
    if (typeof obj.message === 'string' && Buffer.byteLength(obj.message) > 1024) {
      causes.push({
        reason: 'FieldValueTooLong',
        field: 'note',
        message: 'Too long: may not be more than 1024 bytes',
      });
    }
    return causes.map((c) => ({
      ...c,
      field: c.field === 'involvedObject.namespace' ? 'regarding.namespace' : c.field,
    }));
  },
};
newEvents.fieldSelectors = Object.fromEntries(
  Object.entries(coreEvents.fieldSelectors).map(([k, f]) => [
    k
      .replace(/^involvedObject\./, 'regarding.')
      .replace(/^reportingComponent$/, 'reportingController'),
    f,
  ]),
);

/** coordination.k8s.io/v1 Leases. */
export const leases: ResourceType = {
  ...base,
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  storage: 'coordination.k8s.io/leases',
  columns: [{ name: 'Holder', type: 'string', cell: (o) => at(o, 'spec', 'holderIdentity') }, age],
  decode(obj) {
    normalizeTime(obj, 'spec.acquireTime', true);
    normalizeTime(obj, 'spec.renewTime', true);
    return obj;
  },
  validate(obj) {
    const causes: StatusCause[] = [];
    const d = at(obj, 'spec', 'leaseDurationSeconds');
    if (d !== undefined && (typeof d !== 'number' || d <= 0)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.leaseDurationSeconds',
        message: `Invalid value: ${text(d)}: must be greater than 0`,
      });
    }
    const t = at(obj, 'spec', 'leaseTransitions');
    if (t !== undefined && (typeof t !== 'number' || t < 0)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.leaseTransitions',
        message: `Invalid value: ${text(t)}: must be greater than or equal to 0`,
      });
    }
    return causes;
  },
};

/** apiextensions.k8s.io/v1 CustomResourceDefinitions. */
export const crds: ResourceType = {
  ...base,
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  storage: 'apiextensions.k8s.io/customresourcedefinitions',
  status: true,
  generation: true,
  columns: [
    { name: 'Created At', type: 'date', cell: (o) => at(o, 'metadata', 'creationTimestamp') },
  ],
  validate: (obj) => validateCrd(obj),
};

/** Every built-in resource. */
export const BUILTINS: readonly ResourceType[] = [namespaces, coreEvents, newEvents, leases, crds];
