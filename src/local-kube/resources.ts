// What the server knows about each resource it serves: names, scope, subresources, schema,
// printer columns, field selectors; and the registry that maps URL parts to them.
import type { StatusCause } from './errors.ts';
import type { Obj, Schema } from './schema.ts';

/** A column of the server-side Table (`kubectl get`). */
export interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** A CRD printer column's JSONPath, without the leading `$`. */
  jsonPath?: string;
  /** A built-in column's cell. */
  cell?: (obj: Obj) => unknown;
}

/** One served group/version/resource. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Which store bucket holds the objects (two versions or groups may share one, like Events). */
  storage: string;
  /** Has a `/status` subresource: the main endpoint ignores status, `/status` changes only status. */
  status: boolean;
  /** Keeps metadata.generation, bumped on changes outside metadata (and status, with `status`). */
  generation: boolean;
  /** A custom resource (strategic merge patch refused, list items keep kind/apiVersion). */
  custom: boolean;
  /** PUT without metadata.resourceVersion is allowed (false for custom resources). */
  unconditionalUpdate: boolean;
  schema?: Schema;
  columns: Column[];
  /** Field selector labels this resource supports, besides metadata.name and metadata.namespace. */
  fieldSelectors: Record<string, (obj: Obj) => string | undefined>;
  /** The CRD that defines it. */
  crd?: string;
  /** Stored form → served form (for resources served under two shapes). */
  encode?: (stored: Obj) => Obj;
  /** Served form → stored form. */
  decode?: (served: Obj) => Obj;
  /** Built-in validation beyond the schema; returns the causes of a 422. */
  validate?: (obj: Obj, old: Obj | undefined) => StatusCause[];
  /** Built-in defaults applied on create (for example a Namespace's phase). */
  prepareCreate?: (obj: Obj) => void;
}

/** `group/version` as it appears in apiVersion. */
export function groupVersion(t: { group: string; version: string }): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** The set of served resources; CRDs add and remove theirs while the server runs. */
export class Registry {
  readonly #byPath = new Map<string, ResourceType>();
  #generation = 0;

  /** Serves a resource (replacing one with the same group/version/plural). */
  add(t: ResourceType): void {
    this.#byPath.set(`${t.group}/${t.version}/${t.plural}`, t);
    this.#generation++;
  }

  /** Stops serving every version defined by the named CRD. */
  removeCrd(crdName: string): void {
    for (const [key, t] of this.#byPath) if (t.crd === crdName) this.#byPath.delete(key);
    this.#generation++;
  }

  /** The resource at `/apis/<group>/<version>/<plural>`. */
  get(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#byPath.get(`${group}/${version}/${plural}`);
  }

  /** Every served resource. */
  all(): ResourceType[] {
    return [...this.#byPath.values()];
  }

  /** Every resource stored in the given bucket (all versions of it). */
  byStorage(storage: string): ResourceType[] {
    return this.all().filter((t) => t.storage === storage);
  }

  /** Changes each time the set of resources changes (discovery documents key on it). */
  get generation(): number {
    return this.#generation;
  }
}
