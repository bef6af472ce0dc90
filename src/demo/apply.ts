import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { waitFor } from '../devservices/index.ts';

/** The objects of every .yaml file directly in `dir`, in file order. */
export async function readManifests(dir: string): Promise<KubernetesObject[]> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const objects: KubernetesObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubernetesObject | null;
      if (obj) objects.push(obj);
    }
  }
  return objects;
}

/** Creates each object (as `kubectl create` would); CRDs are waited for until Established. */
export async function applyAll(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  for (const obj of objects) {
    await api.create(obj);
    if (obj.kind === 'CustomResourceDefinition') {
      const name = obj.metadata?.name ?? '';
      await waitFor(
        async () =>
          (await crds.readCustomResourceDefinition({ name })).status?.conditions?.some(
            (c) => c.type === 'Established' && c.status === 'True',
          ),
        { timeoutMs: 10_000, what: `CRD ${name} to be Established` },
      );
    }
  }
}
