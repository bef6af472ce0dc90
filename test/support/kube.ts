// Kubernetes helpers for the end-to-end tests: install the CRD, CRUD Wise2cIngressConfigs.
import { readFile } from 'node:fs/promises';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { waitFor } from '../../src/devservices/index.ts';
import type { IngressObject } from '../../src/reconciler/types.ts';

const ref = { group: 'ingress.wise2c.com', version: 'v1', plural: 'wise2cingressconfigs' };

/** Registers crds/wise2cingressconfigs.yaml and waits until it is Established. */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const body = parse(
    await readFile(new URL('../../crds/wise2cingressconfigs.yaml', import.meta.url), 'utf8'),
  ) as V1CustomResourceDefinition;
  await api.createCustomResourceDefinition({ body });
  await waitFor(
    async () => {
      const crd = await api.readCustomResourceDefinition({ name: body.metadata?.name ?? '' });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    },
    { what: 'the CRD to be Established' },
  );
}

/** Typed CRUD on Wise2cIngressConfigs in one namespace. */
export class Ingresses {
  readonly #api: CustomObjectsApi;
  readonly namespace: string;

  constructor(kc: KubeConfig, namespace = 'default') {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.namespace = namespace;
  }

  async create(name: string, spec: unknown): Promise<IngressObject> {
    const body = {
      apiVersion: 'ingress.wise2c.com/v1',
      kind: 'Wise2cIngressConfig',
      metadata: { name },
      spec,
    };
    return (await this.#api.createNamespacedCustomObject({
      ...ref,
      namespace: this.namespace,
      body,
    })) as IngressObject;
  }

  async get(name: string): Promise<IngressObject | undefined> {
    try {
      return (await this.#api.getNamespacedCustomObject({
        ...ref,
        namespace: this.namespace,
        name,
      })) as IngressObject;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  /** Merge-patches the object (spec or metadata). */
  async patch(name: string, body: unknown): Promise<IngressObject> {
    return (await this.#api.patchNamespacedCustomObject(
      { ...ref, namespace: this.namespace, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as IngressObject;
  }

  async delete(name: string): Promise<void> {
    await this.#api.deleteNamespacedCustomObject({ ...ref, namespace: this.namespace, name });
  }

  /** Waits until `check` holds for the object, returning it; the error names what was last seen. */
  async waitFor(
    name: string,
    check: (obj: IngressObject) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<IngressObject> {
    let last: IngressObject | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.get(name);
          return last && check(last) ? last : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${name}: ${what}` },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last?.status)}`, {
        cause: error,
      });
    }
  }

  /** Waits for `syncedAgents` and the Ready condition's reason. */
  async waitForStatus(
    name: string,
    synced: string,
    reason: string,
    timeoutMs?: number,
  ): Promise<IngressObject> {
    return this.waitFor(
      name,
      (o) =>
        o.status?.syncedAgents === synced &&
        o.status.observedGeneration === o.metadata.generation &&
        o.status.conditions?.find((c) => c.type === 'Ready')?.reason === reason,
      `syncedAgents ${synced} and Ready reason ${reason}`,
      timeoutMs,
    );
  }
}

/** A one-rule spec routing `host` `/` to upstreams. */
export function simpleSpec(
  host: string,
  upstreams = ['127.0.0.1:9'],
  extra: Record<string, unknown> = {},
): unknown {
  return {
    ...extra,
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { upstreams } }] } }],
  };
}
