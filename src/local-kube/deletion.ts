// DELETE as the real server does it: preconditions, finalizers (deletionTimestamp set, generation
// bumped, object kept until they are gone), propagation policy, and a small garbage collector
// for ownerReferences.
import { ApiError, badRequest, conflict } from './errors.ts';
import { finalizersOf, metaOf } from './meta.ts';
import type { Objects } from './objects.ts';
import type { ResourceType } from './resources.ts';
import { clone, isObj, text, type Obj } from './schema.ts';
import { nowTime } from './times.ts';

/** What a delete answers: the object when it is kept for its finalizers, else gone. */
export interface DeleteResult {
  object: Obj;
  /** True when the object was removed now (the answer is a Success Status). */
  removed: boolean;
}

/** Deletes one object following the DeleteOptions in `options` (the request body, if any). */
export function deleteObject(
  objects: Objects,
  t: ResourceType,
  namespace: string,
  name: string,
  options: unknown,
  dryRun = false,
): DeleteResult {
  const current = objects.current(t, namespace, name);
  const meta = current.metadata as Obj;
  const opts = isObj(options) ? options : {};
  const pre = isObj(opts.preconditions) ? opts.preconditions : {};
  if (pre.uid !== undefined && pre.uid !== meta.uid) {
    throw conflict(
      t.plural,
      t.group,
      name,
      `Precondition failed: UID in precondition: ${text(pre.uid)}, UID in object meta: ${String(meta.uid)}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
    throw conflict(
      t.plural,
      t.group,
      name,
      `Precondition failed: ResourceVersion in precondition: ${text(pre.resourceVersion)}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`,
    );
  }
  const policy = opts.propagationPolicy;
  if (
    policy !== undefined &&
    policy !== 'Background' &&
    policy !== 'Foreground' &&
    policy !== 'Orphan'
  ) {
    throw badRequest(
      `propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (dryRun) return { object: current, removed: finalizersOf(current).length === 0 };
  if (policy === 'Orphan') orphanDependents(objects, meta.uid as string);
  if (policy === 'Foreground') collectDependents(objects, meta.uid as string, true);
  const finalizers = finalizersOf(current);
  const specFinalizers =
    isObj(current.spec) && Array.isArray(current.spec.finalizers) ? current.spec.finalizers : [];
  if (finalizers.length === 0 && (t.plural !== 'namespaces' || specFinalizers.length === 0)) {
    return { object: objects.remove(t, current), removed: true };
  }
  if (meta.deletionTimestamp) return { object: current, removed: false };
  const next = clone(current);
  const nextMeta = metaOf(next);
  nextMeta.deletionTimestamp = nowTime();
  nextMeta.deletionGracePeriodSeconds = 0;
  if (typeof nextMeta.generation === 'number') nextMeta.generation += 1;
  objects.store.put(t.storage, next);
  objects.hooks?.afterPut(t, next, false);
  return { object: next, removed: false };
}

/** Removes the ownerReferences that point at `uid` from every dependent (propagationPolicy Orphan). */
function orphanDependents(objects: Objects, uid: string): void {
  for (const [t, obj] of dependents(objects, uid)) {
    const next = clone(obj);
    const meta = metaOf(next);
    meta.ownerReferences = (meta.ownerReferences as Obj[]).filter((r) => r.uid !== uid);
    if ((meta.ownerReferences as Obj[]).length === 0) delete meta.ownerReferences;
    objects.store.put(t.storage, next);
  }
}

/**
 * Deletes the dependents of a removed owner whose owners are all gone (`force`: regardless),
 * as the garbage collector does in the background.
 */
export function collectDependents(objects: Objects, uid: string, force = false): void {
  for (const [t, obj] of dependents(objects, uid)) {
    const owners = (metaOf(obj).ownerReferences as Obj[]).filter((r) => r.uid !== uid);
    if (!force && owners.some((r) => objects.store.byUid(r.uid as string))) continue;
    const m = metaOf(obj);
    try {
      deleteObject(objects, t, (m.namespace as string | undefined) ?? '', m.name as string, {});
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }
}

function dependents(objects: Objects, uid: string): [ResourceType, Obj][] {
  const out: [ResourceType, Obj][] = [];
  for (const storage of objects.store.buckets()) {
    const t = objects.registry.byStorage(storage)[0];
    if (!t) continue;
    for (const obj of objects.store.list(storage)) {
      const refs = (obj.metadata as Obj).ownerReferences;
      if (Array.isArray(refs) && refs.some((r) => isObj(r) && r.uid === uid)) out.push([t, obj]);
    }
  }
  return out;
}
