// @kubernetes/client-node 2.x against local-kube: typed and custom-object APIs, patches, Leases,
// Events, and an informer that survives a forced 410 Gone by relisting.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { waitFor } from '../../src/devservices/process.ts';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';
import { wic } from './local-kube-support.ts';

const repo = path.join(import.meta.dirname, '..', '..');
const G = {
  group: 'ingress.wise2c.com',
  version: 'v1',
  namespace: 'default',
  plural: 'wise2cingressconfigs',
};
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
type Wic = k8s.KubernetesObject & { status?: { syncedAgents?: string } };

describe('client-node 2.x against local-kube', () => {
  let kube: LocalKube;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    kube = await startLocalKube({ watchWindow: 10 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const crd = YAML.parse(
      readFileSync(path.join(repo, 'crds', 'wise2cingressconfigs.yaml'), 'utf8'),
    ) as k8s.V1CustomResourceDefinition;
    await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
  });
  after(() => kube.close());

  it('creates, reads and merge-patches status of a custom resource over HTTPS with the CA and token', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...G, body: wic('cn1') })) as Wic;
    assert.equal(created.metadata?.generation, 1);
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...G, name: 'cn1', body: { status: { syncedAgents: '1/1' } } },
      merge,
    )) as Wic;
    assert.equal(patched.status?.syncedAgents, '1/1');
    const read = (await custom.getNamespacedCustomObject({ ...G, name: 'cn1' })) as Wic;
    assert.equal(read.metadata?.resourceVersion, patched.metadata?.resourceVersion);
  });

  it('surfaces API errors with the Status code (409, 404)', async () => {
    await assert.rejects(
      custom.createNamespacedCustomObject({ ...G, body: wic('cn1') }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 409,
    );
    await assert.rejects(
      custom.getNamespacedCustomObject({ ...G, name: 'absent' }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 404,
    );
  });

  it('refuses an object sent as the client default patch type (json-patch): a patch must say its type', async () => {
    await assert.rejects(
      custom.patchNamespacedCustomObject({
        ...G,
        name: 'cn1',
        body: { metadata: { labels: { a: 'b' } } },
      }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 400,
    );
  });

  it('stores Lease times as MicroTime and round-trips them as Dates', async () => {
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    const acquireTime = new Date('2024-03-04T05:06:07.089Z');
    const created = await leases.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'ctl' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime },
      },
    });
    assert.equal(created.spec?.holderIdentity, 'a');
    assert.equal(
      new Date(String(created.spec?.acquireTime)).toISOString(),
      '2024-03-04T05:06:07.089Z',
    );
    const replaced = await leases.replaceNamespacedLease({
      name: 'ctl',
      namespace: 'default',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } },
    });
    assert.equal(replaced.spec?.holderIdentity, 'b');
    await assert.rejects(
      leases.replaceNamespacedLease({ name: 'ctl', namespace: 'default', body: created }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 409,
    );
  });

  it('records core Events that events.k8s.io serves too', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'cn1.1' },
        involvedObject: { kind: 'Wise2cIngressConfig', name: 'cn1', namespace: 'default' },
        reason: 'Synced',
        message: 'pushed',
        type: 'Normal',
      },
    });
    const events = await kc
      .makeApiClient(k8s.EventsV1Api)
      .listNamespacedEvent({ namespace: 'default', fieldSelector: 'regarding.name=cn1' });
    assert.deepEqual(
      events.items.map((e) => [e.note, e.regarding?.kind]),
      [['pushed', 'Wise2cIngressConfig']],
    );
  });

  it('keeps an informer in sync across a forced 410: it relists and goes on watching', async () => {
    let lists = 0;
    const informer = k8s.makeInformer<Wic>(
      kc,
      '/apis/ingress.wise2c.com/v1/namespaces/default/wise2cingressconfigs',
      () => {
        lists++;
        return custom.listNamespacedCustomObject(G) as Promise<k8s.KubernetesListObject<Wic>>;
      },
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add:${String(o.metadata?.name)}`));
    informer.on('update', (o) => seen.push(`update:${String(o.metadata?.name)}`));
    informer.on('delete', (o) => seen.push(`delete:${String(o.metadata?.name)}`));
    await informer.start();
    try {
      await waitFor(() => seen.includes('add:cn1'), { what: 'the informer lists cn1' });
      await custom.createNamespacedCustomObject({ ...G, body: wic('cn2') });
      await waitFor(() => seen.includes('add:cn2'), { what: 'the informer sees cn2' });
      kube.compact();
      kube.cutWatches({ graceful: true });
      await waitFor(() => lists >= 2, { what: 'the informer relists after 410' });
      await custom.createNamespacedCustomObject({ ...G, body: wic('cn3') });
      await custom.deleteNamespacedCustomObject({ ...G, name: 'cn2' });
      await waitFor(() => seen.includes('add:cn3') && seen.includes('delete:cn2'), {
        what: 'the informer watches again',
      });
      assert.deepEqual(
        informer
          .list('default')
          .map((o) => o.metadata?.name)
          .sort(),
        ['cn1', 'cn3'],
      );
    } finally {
      await informer.stop();
    }
  });

  it('reports an abruptly cut watch as an informer error; start() resumes it', async () => {
    const informer = k8s.makeInformer<Wic>(
      kc,
      '/apis/ingress.wise2c.com/v1/namespaces/default/wise2cingressconfigs',
      () => custom.listNamespacedCustomObject(G) as Promise<k8s.KubernetesListObject<Wic>>,
    );
    const errors: unknown[] = [];
    const added: string[] = [];
    informer.on('error', (e) => errors.push(e));
    informer.on('add', (o) => added.push(String(o.metadata?.name)));
    await informer.start();
    try {
      await waitFor(() => added.includes('cn3') && kube.stats().openWatches > 0, {
        what: 'the informer watches',
      });
      kube.cutWatches();
      await waitFor(() => errors.length > 0, { what: 'the informer reports the cut' });
      await informer.start();
      await custom.createNamespacedCustomObject({ ...G, body: wic('cn4') });
      await waitFor(() => added.includes('cn4'), { what: 'the restarted informer sees cn4' });
    } finally {
      await informer.stop();
    }
  });
});
