// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and, for built-in types only,
// the part of strategic merge patch kubectl's client-side apply sends.
import { badRequest } from './errors.ts';
import { clone, deepEqual, isObj, type Obj } from './schema.ts';

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 operations applied in order; a failed `test` or a bad path is a 422/400 as upstream. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const op of patch) {
    if (!isObj(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest('the server rejected our request due to an error in our request');
    }
    const path = pointer(op.path);
    switch (op.op) {
      case 'add':
        doc = put(doc, path, clone(op.value), 'add');
        break;
      case 'replace':
        get(doc, path, op.path);
        doc = put(doc, path, clone(op.value), 'replace');
        break;
      case 'remove':
        get(doc, path, op.path);
        doc = put(doc, path, undefined, 'remove');
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest(`missing from in ${op.op} operation`);
        const from = pointer(op.from);
        const value = clone(get(doc, from, op.from));
        if (op.op === 'move') doc = put(doc, from, undefined, 'remove');
        doc = put(doc, path, value, 'add');
        break;
      }
      case 'test':
        if (!deepEqual(get(doc, path, op.path), op.value)) {
          throw new PatchTestFailed(`testing value ${op.path} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** A failed JSON patch `test` (the real server answers 422 Invalid). */
export class PatchTestFailed extends Error {
  override name = 'PatchTestFailed';
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`JSON pointer must be empty or start with a "/": ${p}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function get(doc: unknown, path: string[], raw: string): unknown {
  let cur = doc;
  for (const key of path) {
    if (Array.isArray(cur) && /^\d+$/.test(key) && Number(key) < cur.length) cur = cur[Number(key)];
    else if (isObj(cur) && Object.hasOwn(cur, key)) cur = cur[key];
    else
      throw badRequest(
        `the server rejected our request due to an error in our request: missing path ${raw}`,
      );
  }
  return cur;
}

function put(
  doc: unknown,
  path: string[],
  value: unknown,
  mode: 'add' | 'replace' | 'remove',
): unknown {
  if (path.length === 0) return mode === 'remove' ? null : value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(doc)) {
    const i = head === '-' ? doc.length : Number(head);
    if (!/^(\d+|-)$/.test(head) || i > doc.length)
      throw badRequest(`add operation does not apply: index ${head} out of bounds`);
    const out: unknown[] = [...(doc as unknown[])];
    if (rest.length > 0) out[i] = put(out[i], rest, value, mode);
    else if (mode === 'add') out.splice(i, 0, value);
    else if (mode === 'replace') out[i] = value;
    else out.splice(i, 1);
    return out;
  }
  if (!isObj(doc)) throw badRequest(`doc is missing path: /${path.join('/')}`);
  const out = { ...doc };
  if (rest.length > 0) {
    if (!Object.hasOwn(out, head))
      throw badRequest(`doc is missing path: /${path.join('/')}: missing value`);
    out[head] = put(out[head], rest, value, mode);
  } else if (mode === 'remove') delete out[head];
  else out[head] = value;
  return out;
}

/**
 * Strategic merge patch as kubectl's client-side apply sends it for built-in types: a merge patch
 * plus `$setElementOrder/`, `$deleteFromPrimitiveList/` and `$retainKeys` directives, with lists
 * of finalizers merged and ownerReferences merged by uid. Any other directive is refused.
 */
export function strategicMergePatch(target: unknown, patch: unknown, path = ''): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(v) ? v : [];
      if (Array.isArray(out[field]))
        out[field] = (out[field] as unknown[]).filter((x) => !drop.some((d) => deepEqual(d, x)));
      continue;
    }
    if (k.startsWith('$'))
      throw badRequest(
        `unsupported strategic merge patch directive ${k} at ${path || '.'} (local-kube)`,
      );
    const here = path ? `${path}.${k}` : k;
    if (v === null) delete out[k];
    else if (here === 'metadata.finalizers' && Array.isArray(v)) {
      out[k] = [
        ...new Set([...(Array.isArray(out[k]) ? (out[k] as unknown[]) : []), ...(v as unknown[])]),
      ];
    } else if (here === 'metadata.ownerReferences' && Array.isArray(v)) {
      const merged = Array.isArray(out[k]) ? [...(out[k] as Obj[])] : [];
      for (const ref of v as Obj[]) {
        const i = merged.findIndex((r) => r.uid === ref.uid);
        if (ref.$patch === 'delete') {
          if (i >= 0) merged.splice(i, 1);
        } else if (i >= 0) merged[i] = strategicMergePatch(merged[i], ref, here) as Obj;
        else merged.push(ref);
      }
      out[k] = merged;
    } else out[k] = strategicMergePatch(out[k], v, here);
  }
  return out;
}
