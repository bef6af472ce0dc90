// What the real server's controllers do around writes, done synchronously here: CRDs become
// Established and served; a deleted namespace or CRD empties itself, then goes; owners' deletion
// collects dependents.
import { typesFromCrd, establishedStatus, terminatingStatus } from './crd.ts';
import { ApiError, methodNotAllowed } from './errors.ts';
import { collectDependents, deleteObject } from './deletion.ts';
import { finalizersOf, metaOf } from './meta.ts';
import type { Objects, WriteHooks } from './objects.ts';
import type { Registry, ResourceType } from './resources.ts';
import { clone, type Obj } from './schema.ts';

const CRD_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** The synchronous stand-in for the namespace, CRD and garbage-collector controllers. */
export class Lifecycle implements WriteHooks {
  readonly #objects: Objects;
  readonly #registry: Registry;

  constructor(objects: Objects, registry: Registry) {
    this.#objects = objects;
    this.#registry = registry;
  }

  checkNamespace(t: ResourceType, namespace: string): void {
    const ns = this.#objects.store.get('/namespaces', '', namespace);
    if (!ns)
      throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: 'namespaces',
      });
    if ((ns.metadata as Obj).deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `${t.plural}${t.group ? `.${t.group}` : ''} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: namespace,
          kind: 'namespaces',
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  checkCreate(t: ResourceType): void {
    if (!t.crd) return;
    const crd = this.#objects.store.get(this.#crdStorage(), '', t.crd);
    if (crd && (crd.metadata as Obj).deletionTimestamp) {
      throw methodNotAllowed('create not allowed while custom resource definition is terminating');
    }
  }

  afterPut(t: ResourceType, obj: Obj, created: boolean): void {
    const deleting = Boolean(metaOf(obj).deletionTimestamp);
    if (t.plural === 'customresourcedefinitions' && t.group === 'apiextensions.k8s.io') {
      if (created) this.#establish(t, obj);
      else if (!deleting) this.#serve(obj);
      else this.#terminateCrd(t, obj);
    } else if (t.plural === 'namespaces' && t.group === '' && deleting) {
      this.#terminateNamespace(t, obj);
    }
  }

  afterRemove(t: ResourceType, obj: Obj): void {
    const meta = obj.metadata as Obj;
    collectDependents(this.#objects, meta.uid as string);
    if (t.plural === 'customresourcedefinitions' && t.group === 'apiextensions.k8s.io') {
      this.#registry.removeCrd(meta.name as string);
    }
    if (t.namespaced && typeof meta.namespace === 'string')
      this.#maybeFinalizeNamespace(meta.namespace);
    if (t.crd) this.#maybeFinalizeCrd(t.crd);
  }

  #crdStorage(): string {
    return 'apiextensions.k8s.io/customresourcedefinitions';
  }

  #establish(t: ResourceType, crd: Obj): void {
    const next = clone(crd);
    metaOf(next).finalizers = [...new Set([...finalizersOf(next), CRD_FINALIZER])];
    next.status = establishedStatus(next);
    this.#objects.store.put(t.storage, next);
    this.#serve(next);
  }

  #serve(crd: Obj): void {
    const name = metaOf(crd).name as string;
    this.#registry.removeCrd(name);
    for (const type of typesFromCrd(crd)) this.#registry.add(type);
  }

  #terminateCrd(t: ResourceType, crd: Obj): void {
    const conditions = (crd.status as Obj | undefined)?.conditions;
    if (!Array.isArray(conditions) || !conditions.some((c) => (c as Obj).type === 'Terminating')) {
      const next = clone(crd);
      next.status = terminatingStatus(next);
      this.#objects.store.put(t.storage, next);
    }
    const spec = crd.spec as Obj;
    const storage = `${String(spec.group)}/${String((spec.names as Obj).plural)}`;
    const types = this.#registry.byStorage(storage);
    const type = types[0];
    if (type) for (const o of [...this.#objects.store.list(storage)]) this.#deleteQuietly(type, o);
    this.#maybeFinalizeCrd(metaOf(crd).name as string);
  }

  #maybeFinalizeCrd(name: string): void {
    const crd = this.#objects.store.get(this.#crdStorage(), '', name);
    if (!crd || !metaOf(crd).deletionTimestamp) return;
    const spec = crd.spec as Obj;
    if (
      this.#objects.store.list(`${String(spec.group)}/${String((spec.names as Obj).plural)}`)
        .length > 0
    )
      return;
    const rest = finalizersOf(crd).filter((f) => f !== CRD_FINALIZER);
    const crdType = this.#registry.get(
      'apiextensions.k8s.io',
      'v1',
      'customresourcedefinitions',
    ) as ResourceType;
    if (rest.length === 0) {
      this.#objects.remove(crdType, crd);
    } else if (rest.length !== finalizersOf(crd).length) {
      const next = clone(crd);
      metaOf(next).finalizers = rest;
      this.#objects.store.put(crdType.storage, next);
    }
  }

  #terminateNamespace(t: ResourceType, ns: Obj): void {
    const name = metaOf(ns).name as string;
    if ((ns.status as Obj | undefined)?.phase !== 'Terminating') {
      const next = clone(ns);
      next.status = { ...(next.status as Obj), phase: 'Terminating' };
      this.#objects.store.put(t.storage, next);
    }
    for (const storage of this.#objects.store.buckets()) {
      const type = this.#registry.byStorage(storage)[0];
      if (!type?.namespaced) continue;
      for (const o of [...this.#objects.store.list(storage, name)]) this.#deleteQuietly(type, o);
    }
    this.#maybeFinalizeNamespace(name);
  }

  #maybeFinalizeNamespace(name: string): void {
    const ns = this.#objects.store.get('/namespaces', '', name);
    if (!ns || !metaOf(ns).deletionTimestamp) return;
    for (const storage of this.#objects.store.buckets()) {
      if (this.#objects.store.list(storage, name).length > 0) return;
    }
    const nsType = this.#registry.get('', 'v1', 'namespaces') as ResourceType;
    const next = clone(ns);
    next.spec = { ...(next.spec as Obj), finalizers: [] };
    if (finalizersOf(next).length === 0) this.#objects.remove(nsType, next);
    else this.#objects.store.put(nsType.storage, next);
  }

  #deleteQuietly(t: ResourceType, obj: Obj): void {
    const meta = obj.metadata as Obj;
    if (meta.deletionTimestamp) return;
    try {
      deleteObject(
        this.#objects,
        t,
        (meta.namespace as string | undefined) ?? '',
        meta.name as string,
        {},
      );
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }
}
