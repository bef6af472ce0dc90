// Create, update and delete with the real server's semantics: metadata, generation, the status
// subresource, optimistic concurrency, pruning/defaulting/validation, finalizers.
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  type StatusCause,
} from './errors.ts';
import { finalizersOf, generateName, metaOf, newUid, SERVER_OWNED, validateMeta } from './meta.ts';
import { groupVersion, type Registry, type ResourceType } from './resources.ts';
import { clone, deepEqual, isObj, text, type Obj } from './schema.ts';
import { applyDefaults, prune, pruneMetadata } from './schema-prune.ts';
import { validateValue } from './schema-validate.ts';
import type { Store } from './store.ts';
import { nowTime } from './times.ts';

/** Per-request write options (query parameters). */
export interface WriteOptions {
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  dryRun?: boolean;
  /** The body came from applying a patch to the stored object (no resourceVersion needed). */
  fromPatch?: boolean;
  subresource?: 'status';
}

/** What a write answers: the stored object, and Warning headers. */
export interface WriteResult {
  object: Obj;
  warnings: string[];
}

/** The etcd limit the real server inherits: one object at most 1.5 MiB. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** Hooks the lifecycle (namespaces, CRDs, garbage collection) attaches to writes. */
export interface WriteHooks {
  checkNamespace(t: ResourceType, namespace: string): void;
  checkCreate(t: ResourceType): void;
  afterPut(t: ResourceType, obj: Obj, created: boolean): void;
  afterRemove(t: ResourceType, obj: Obj): void;
}

/** Served form of a stored object: apiVersion and kind of `t`, its field names. */
export function encode(t: ResourceType, stored: Obj): Obj {
  const served = t.encode ? t.encode(stored) : { ...stored };
  const { apiVersion: _a, kind: _k, ...rest } = served;
  return { apiVersion: groupVersion(t), kind: t.kind, ...rest };
}

/** The write half of the engine. */
export class Objects {
  readonly store: Store;
  readonly registry: Registry;
  hooks: WriteHooks | undefined;

  constructor(store: Store, registry: Registry) {
    this.store = store;
    this.registry = registry;
  }

  /** The stored object or 404. */
  current(t: ResourceType, namespace: string, name: string): Obj {
    const obj = this.store.get(t.storage, t.namespaced ? namespace : '', name);
    if (!obj) throw notFound(t.plural, t.group, name);
    return obj;
  }

  /** POST: creates an object. */
  create(t: ResourceType, namespace: string, body: unknown, opts: WriteOptions = {}): WriteResult {
    const { obj, warnings } = this.#decodeBody(t, body, opts);
    const meta = metaOf(obj);
    if (t.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace;
    } else delete meta.namespace;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new ApiError(
        500,
        'InternalError',
        'Internal error occurred: resourceVersion should not be set on objects to be created',
      );
    }
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName
    ) {
      const prefix = meta.generateName;
      let candidate = generateName(prefix);
      while (this.store.get(t.storage, t.namespaced ? namespace : '', candidate))
        candidate = generateName(prefix);
      meta.name = candidate;
    }
    for (const f of SERVER_OWNED) delete meta[f];
    delete meta.managedFields;
    meta.uid = newUid();
    meta.creationTimestamp = nowTime();
    if (t.generation) meta.generation = 1;
    if (t.status) delete obj.status;
    t.prepareCreate?.(obj);
    if (t.plural === 'namespaces' && typeof meta.name === 'string') {
      meta.labels = {
        ...(isObj(meta.labels) ? meta.labels : {}),
        'kubernetes.io/metadata.name': meta.name,
      };
    }
    this.#validate(t, obj, undefined);
    if (t.namespaced) this.hooks?.checkNamespace(t, namespace);
    this.hooks?.checkCreate(t);
    if (
      this.store.get(t.storage, (meta.namespace as string | undefined) ?? '', meta.name as string)
    ) {
      throw alreadyExists(t.plural, t.group, meta.name as string);
    }
    if (opts.dryRun) return { object: obj, warnings };
    this.store.put(t.storage, obj);
    this.hooks?.afterPut(t, obj, true);
    return { object: obj, warnings };
  }

  /** PUT (or a patch, with `fromPatch`): replaces the object or, with `subresource`, its status. */
  update(
    t: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): WriteResult {
    const current = this.current(t, namespace, name);
    const { obj: incoming, warnings } = this.#decodeBody(t, body, opts);
    const inMeta = metaOf(incoming);
    if (inMeta.name !== undefined && inMeta.name !== name) {
      throw badRequest(
        `the name of the object (${text(inMeta.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (
      t.namespaced &&
      inMeta.namespace !== undefined &&
      inMeta.namespace !== '' &&
      inMeta.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const curMeta = current.metadata as Obj;
    const rv = inMeta.resourceVersion;
    if (rv === undefined || rv === '') {
      if (!t.unconditionalUpdate && !opts.fromPatch) {
        throw invalid(t.kind, t.group, name, [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
      }
    } else if (rv !== curMeta.resourceVersion) {
      throw conflict(
        t.plural,
        t.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    let next: Obj;
    if (opts.subresource === 'status') {
      next = clone(current);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      const meta = metaOf(next);
      for (const f of SERVER_OWNED) {
        if (curMeta[f] === undefined) delete meta[f];
        else meta[f] = curMeta[f];
      }
      delete meta.managedFields;
      meta.name = name;
      if (t.namespaced) meta.namespace = namespace;
      else delete meta.namespace;
      if (t.status) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
      if (t.plural === 'namespaces') {
        next.spec = clone(current.spec);
        meta.labels = {
          ...(isObj(meta.labels) ? meta.labels : {}),
          'kubernetes.io/metadata.name': name,
        };
      }
      if (curMeta.deletionTimestamp) {
        const added = finalizersOf(next).filter((f) => !finalizersOf(current).includes(f));
        if (added.length > 0) {
          throw invalid(t.kind, t.group, name, [
            {
              reason: 'FieldValueForbidden',
              field: 'metadata.finalizers',
              message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
            },
          ]);
        }
      }
    }
    this.#validate(t, next, current);
    if (t.generation && changedBeyondMeta(t, current, next)) {
      metaOf(next).generation = (Number(curMeta.generation) || 0) + 1;
    }
    metaOf(next).resourceVersion = curMeta.resourceVersion;
    if (deepEqual(next, current)) return { object: current, warnings };
    if (opts.dryRun) return { object: next, warnings };
    const specFinalizers =
      t.plural === 'namespaces' && isObj(next.spec) && Array.isArray(next.spec.finalizers)
        ? next.spec.finalizers
        : [];
    if (
      curMeta.deletionTimestamp &&
      finalizersOf(next).length === 0 &&
      specFinalizers.length === 0
    ) {
      return { object: this.remove(t, next), warnings };
    }
    this.store.put(t.storage, next);
    this.hooks?.afterPut(t, next, false);
    return { object: next, warnings };
  }

  /** Removes an object now (its finalizers are done); returns it with the deletion's version. */
  remove(t: ResourceType, obj: Obj): Obj {
    const gone = this.store.remove(t.storage, obj);
    this.hooks?.afterRemove(t, gone);
    return gone;
  }

  #decodeBody(
    t: ResourceType,
    body: unknown,
    opts: WriteOptions,
  ): { obj: Obj; warnings: string[] } {
    if (!isObj(body))
      throw badRequest(
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      );
    if (body.kind !== undefined && body.kind !== t.kind) {
      throw badRequest(
        `${text(body.kind)} in version "${t.version}" cannot be handled as a ${t.kind}: the kind in the data (${text(body.kind)}) does not match the expected kind (${t.kind})`,
      );
    }
    if (body.apiVersion !== undefined && body.apiVersion !== groupVersion(t)) {
      throw badRequest(
        `the API version in the data (${text(body.apiVersion)}) does not match the expected API version (${groupVersion(t)})`,
      );
    }
    // Built-in types decode with the endpoint's kind as the default; custom resources (unstructured) need it.
    if (body.kind === undefined && t.custom && !opts.fromPatch)
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    let obj = clone(body);
    if (obj.metadata !== undefined && !isObj(obj.metadata))
      throw badRequest('metadata: must be an object');
    const unknown = t.schema ? prune(obj, t.schema) : [];
    if (!t.schema && isObj(obj.metadata)) pruneMetadata(obj.metadata, 'metadata', unknown);
    const messages = unknown.map((p) => `unknown field "${p}"`);
    if (messages.length > 0 && opts.fieldValidation === 'Strict') {
      throw badRequest(
        `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${messages.join(', ')}`,
      );
    }
    if (t.decode) obj = t.decode(obj);
    obj.apiVersion = groupVersion(t);
    obj.kind = t.kind;
    return { obj, warnings: opts.fieldValidation === 'Ignore' ? [] : messages };
  }

  #validate(t: ResourceType, obj: Obj, old: Obj | undefined): void {
    if (t.schema) applyDefaults(obj, t.schema);
    const meta = metaOf(obj);
    const causes: StatusCause[] = validateMeta(meta, { dnsLabelName: t.plural === 'namespaces' });
    if (t.schema) {
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
      const schema = { ...t.schema, properties: { ...t.schema.properties } };
      delete schema.properties.metadata;
      causes.push(...validateValue(rest, schema, ''));
    }
    if (t.validate) causes.push(...t.validate(obj, old));
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (causes.length > 0) throw invalid(t.kind, t.group, name, causes);
    if (Buffer.byteLength(JSON.stringify(obj)) > MAX_OBJECT_BYTES) {
      throw new ApiError(
        413,
        'RequestEntityTooLarge',
        `Request entity too large: ${t.kind} "${name}" is larger than the ${MAX_OBJECT_BYTES} bytes an object may take`,
      );
    }
  }
}

/** True when something outside metadata (and outside status, for resources with /status) changed. */
function changedBeyondMeta(t: ResourceType, a: Obj, b: Obj): boolean {
  const strip = (o: Obj) => {
    const { metadata: _m, status, ...rest } = o;
    return t.status ? rest : { ...rest, status };
  };
  return !deepEqual(strip(a), strip(b));
}
