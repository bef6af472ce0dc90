import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  GROUP,
  PLURAL,
  VERSION,
  type IngressObject,
  type IngressStatus,
} from '../reconciler/types.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Reads and writes Wise2cIngressConfig objects: the list behind the informer, status and finalizers. */
export class IngressClient {
  readonly #api: CustomObjectsApi;
  readonly #namespace: string | undefined;

  constructor(kc: KubeConfig, namespace?: string) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.#namespace = namespace;
  }

  /** The watch path the informer uses: one namespace or all. */
  get watchPath(): string {
    const ns = this.#namespace ? `/namespaces/${this.#namespace}` : '';
    return `/apis/${GROUP}/${VERSION}${ns}/${PLURAL}`;
  }

  /** Lists every object (of the namespace, when set). */
  async list(): Promise<KubernetesListObject<KubernetesObject>> {
    const list: unknown = this.#namespace
      ? await this.#api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: this.#namespace,
        })
      : await this.#api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
    return list as KubernetesListObject<KubernetesObject>;
  }

  /** Merge-patches `/status` (the generated call would pick the JSON-patch content type otherwise). */
  async patchStatus(obj: IngressObject, status: IngressStatus): Promise<void> {
    await this.#api.patchNamespacedCustomObjectStatus(
      { ...this.#ref(obj), body: { status } },
      mergePatch,
    );
  }

  /** Replaces metadata.finalizers; obj's resourceVersion is a precondition (409 when stale). */
  async setFinalizers(obj: IngressObject, finalizers: string[]): Promise<void> {
    const metadata = { finalizers, resourceVersion: obj.metadata.resourceVersion };
    await this.#api.patchNamespacedCustomObject(
      { ...this.#ref(obj), body: { metadata } },
      mergePatch,
    );
  }

  #ref(obj: IngressObject) {
    return {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    };
  }
}
