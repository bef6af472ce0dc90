// local-kube over HTTPS: auth, discovery, OpenAPI, CRDs, list/watch semantics, patches, tables,
// errors as Status objects, and the fault controls.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';
import { call, watch, WIC, wic } from './local-kube-support.ts';

const repo = path.join(import.meta.dirname, '..', '..');
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
type Meta = {
  name?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
};
const meta = (o: unknown) => (o as { metadata: Meta }).metadata;

describe('local-kube over HTTPS', () => {
  let kube: LocalKube;
  before(async () => {
    kube = await startLocalKube({ watchWindow: 20, bookmarkIntervalMs: 100 });
    const crd = YAML.parse(
      readFileSync(path.join(repo, 'crds', 'wise2cingressconfigs.yaml'), 'utf8'),
    ) as unknown;
    assert.equal((await call(kube, 'POST', CRDS, { body: crd })).status, 201);
  });
  after(() => kube.close());

  it('checks the bearer token: 401 Status without it; /version and /healthz are public', async () => {
    const denied = await call(kube, 'GET', '/api/v1/namespaces', { token: null });
    assert.equal(denied.status, 401);
    assert.deepEqual(
      [denied.body.kind, denied.body.reason, denied.body.code],
      ['Status', 'Unauthorized', 401],
    );
    assert.equal((await call(kube, 'GET', '/api', { token: 'wrong' })).status, 401);
    assert.equal((await call(kube, 'GET', '/version', { token: null })).body.minor, '32');
    assert.equal((await call(kube, 'GET', '/healthz', { token: null })).text, 'ok');
  });

  it('serves legacy discovery and aggregated discovery when asked for it', async () => {
    const groups = await call(kube, 'GET', '/apis');
    assert.equal(groups.body.kind, 'APIGroupList');
    const names = (groups.body.groups as { name: string }[]).map((g) => g.name).sort();
    assert.deepEqual(names, [
      'apiextensions.k8s.io',
      'coordination.k8s.io',
      'events.k8s.io',
      'ingress.wise2c.com',
    ]);
    const list = await call(kube, 'GET', '/apis/ingress.wise2c.com/v1');
    const resources = (
      list.body.resources as { name: string; shortNames?: string[]; categories?: string[] }[]
    ).map((r) => [r.name, r.shortNames, r.categories]);
    assert.deepEqual(resources, [
      ['wise2cingressconfigs', ['wic'], ['wise2c']],
      ['wise2cingressconfigs/status', undefined, undefined],
    ]);
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const agg = await call(kube, 'GET', '/apis', { accept });
    assert.equal(
      agg.headers['content-type'],
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const wicGroup = (
      agg.body.items as {
        metadata: { name: string };
        versions: { resources: { resource: string; scope: string; subresources: unknown[] }[] }[];
      }[]
    ).find((g) => g.metadata.name === 'ingress.wise2c.com');
    const res = wicGroup?.versions[0]?.resources[0];
    assert.deepEqual(
      [res?.resource, res?.scope, res?.subresources.length],
      ['wise2cingressconfigs', 'Namespaced', 1],
    );
    const core = await call(kube, 'GET', '/api', { accept });
    assert.deepEqual(
      (core.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name),
      [''],
    );
  });

  it('serves OpenAPI v3 declaring fieldValidation on every PATCH, so kubectl validates server-side', async () => {
    const root = await call(kube, 'GET', '/openapi/v3');
    const entry = (root.body.paths as Record<string, { serverRelativeURL: string }>)[
      'apis/ingress.wise2c.com/v1'
    ];
    assert.ok(entry);
    const doc = await call(kube, 'GET', entry.serverRelativeURL);
    const item = (
      doc.body.paths as Record<
        string,
        { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': unknown } }
      >
    )['/apis/ingress.wise2c.com/v1/namespaces/{namespace}/wise2cingressconfigs/{name}'];
    assert.ok(item?.patch?.parameters.some((p) => p.name === 'fieldValidation'));
    assert.deepEqual(item?.patch?.['x-kubernetes-group-version-kind'], {
      group: 'ingress.wise2c.com',
      version: 'v1',
      kind: 'Wise2cIngressConfig',
    });
  });

  it('reports the CRD Established', async () => {
    const crd = await call(kube, 'GET', `${CRDS}/wise2cingressconfigs.ingress.wise2c.com`);
    const conditions = (crd.body.status as { conditions: { type: string; status: string }[] })
      .conditions;
    assert.ok(conditions.some((c) => c.type === 'Established' && c.status === 'True'));
  });

  it('answers errors as Status objects: 404 unknown resource, 404 object, 404 namespace, 409, 422', async () => {
    const unknown = await call(kube, 'GET', '/apis/ingress.wise2c.com/v1/nothings');
    assert.deepEqual([unknown.status, unknown.body.reason], [404, 'NotFound']);
    const missing = await call(kube, 'GET', `${WIC}/absent`);
    assert.deepEqual(
      [missing.status, missing.body.message],
      [404, 'wise2cingressconfigs.ingress.wise2c.com "absent" not found'],
    );
    assert.deepEqual(
      (missing.body.details as Record<string, unknown>).kind,
      'wise2cingressconfigs',
    );
    const noNs = await call(
      kube,
      'POST',
      '/apis/ingress.wise2c.com/v1/namespaces/nope/wise2cingressconfigs',
      { body: wic('a') },
    );
    assert.deepEqual([noNs.status, noNs.body.message], [404, 'namespaces "nope" not found']);
    assert.equal((await call(kube, 'POST', WIC, { body: wic('dup') })).status, 201);
    const dup = await call(kube, 'POST', WIC, { body: wic('dup') });
    assert.deepEqual([dup.status, dup.body.reason], [409, 'AlreadyExists']);
    const bad = await call(kube, 'POST', WIC, { body: wic('bad', 'NOT VALID') });
    assert.deepEqual([bad.status, bad.body.reason], [422, 'Invalid']);
    assert.equal(
      (bad.body.details as { causes: { field: string }[] }).causes[0]?.field,
      'spec.rules[0].host',
    );
  });

  it('lists with labelSelector, fieldSelector and pages with limit/continue from one snapshot', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await call(kube, 'POST', WIC, { body: wic(n, undefined, { page: 'yes' }) });
    const byLabel = await call(kube, 'GET', `${WIC}?labelSelector=page%3Dyes`);
    assert.deepEqual(
      (byLabel.body.items as unknown[]).map((o) => meta(o).name),
      ['p1', 'p2', 'p3'],
    );
    const byField = await call(
      kube,
      'GET',
      `/apis/ingress.wise2c.com/v1/wise2cingressconfigs?fieldSelector=metadata.name%3Dp2,metadata.namespace%3Ddefault`,
    );
    assert.deepEqual(
      (byField.body.items as unknown[]).map((o) => meta(o).name),
      ['p2'],
    );
    const badField = await call(kube, 'GET', `${WIC}?fieldSelector=spec.x%3D1`);
    assert.deepEqual(
      [badField.status, badField.body.message],
      [400, 'field label not supported: spec.x'],
    );
    const page1 = await call(kube, 'GET', `${WIC}?labelSelector=page%3Dyes&limit=2`);
    const token = (page1.body.metadata as { continue: string }).continue;
    await call(kube, 'DELETE', `${WIC}/p3`);
    const page2 = await call(
      kube,
      'GET',
      `${WIC}?labelSelector=page%3Dyes&limit=2&continue=${token}`,
    );
    assert.deepEqual(
      (page2.body.items as unknown[]).map((o) => meta(o).name),
      ['p3'],
    );
    assert.equal(
      (page2.body.metadata as { resourceVersion: string }).resourceVersion,
      (page1.body.metadata as { resourceVersion: string }).resourceVersion,
    );
  });

  it('merge-patches, json-patches, refuses strategic merge patch on custom resources with 415', async () => {
    await call(kube, 'POST', WIC, { body: wic('patchme') });
    const merged = await call(kube, 'PATCH', `${WIC}/patchme`, {
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.deepEqual([merged.status, meta(merged.body).generation], [200, 1]);
    const jp = await call(kube, 'PATCH', `${WIC}/patchme`, {
      body: [{ op: 'replace', path: '/spec/rules/0/host', value: 'new.example.com' }],
      contentType: 'application/json-patch+json',
    });
    assert.deepEqual([jp.status, meta(jp.body).generation], [200, 2]);
    const smp = await call(kube, 'PATCH', `${WIC}/patchme`, {
      body: { spec: {} },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.deepEqual([smp.status, smp.body.reason], [415, 'UnsupportedMediaType']);
    const status = await call(kube, 'PATCH', `${WIC}/patchme/status`, {
      body: { status: { syncedAgents: '1/1' }, spec: { rules: [] } },
      contentType: 'application/merge-patch+json',
    });
    assert.deepEqual(
      [
        status.status,
        (status.body.status as { syncedAgents: string }).syncedAgents,
        meta(status.body).generation,
      ],
      [200, '1/1', 2],
    );
    const stale = await call(kube, 'PATCH', `${WIC}/patchme`, {
      body: { metadata: { resourceVersion: '1' }, spec: {} },
      contentType: 'application/merge-patch+json',
    });
    assert.deepEqual([stale.status, stale.body.reason], [409, 'Conflict']);
  });

  it('prints Tables and PartialObjectMetadata when asked', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const table = await call(kube, 'GET', `${WIC}?labelSelector=page%3Dyes`, { accept });
    assert.equal(table.body.kind, 'Table');
    assert.deepEqual(
      (table.body.columnDefinitions as { name: string }[]).map((c) => c.name),
      ['Name', 'Hosts', 'Synced', 'Ready', 'Reason', 'Age'],
    );
    const pom = await call(kube, 'GET', `${WIC}/p1`, {
      accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
    });
    assert.deepEqual(
      [pom.body.kind, meta(pom.body).name, pom.body.spec],
      ['PartialObjectMetadata', 'p1', undefined],
    );
  });

  it('watches: ADDED, MODIFIED, DELETED in order, with bookmarks and selector transitions', async () => {
    const list = await call(kube, 'GET', WIC);
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    const w = await watch(
      kube,
      `${WIC}?watch=true&resourceVersion=${rv}&labelSelector=watched%3Dyes&allowWatchBookmarks=true`,
    );
    await call(kube, 'POST', WIC, { body: wic('w1', undefined, { watched: 'yes' }) });
    await call(kube, 'PATCH', `${WIC}/w1`, {
      body: { metadata: { labels: { extra: '1' } } },
      contentType: 'application/merge-patch+json',
    });
    await call(kube, 'PATCH', `${WIC}/w1`, {
      body: { metadata: { labels: { watched: 'no' } } },
      contentType: 'application/merge-patch+json',
    });
    await call(kube, 'PATCH', `${WIC}/w1`, {
      body: { metadata: { labels: { watched: 'yes' } } },
      contentType: 'application/merge-patch+json',
    });
    await call(kube, 'DELETE', `${WIC}/w1`);
    await w.take(6);
    const types = w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type);
    assert.deepEqual(types, ['ADDED', 'MODIFIED', 'DELETED', 'ADDED', 'DELETED']);
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    assert.deepEqual(
      [bookmark?.object.kind, typeof meta(bookmark?.object).resourceVersion],
      ['Wise2cIngressConfig', 'string'],
    );
    w.close();
  });

  it('sends synthetic ADDED events for a watch from resourceVersion 0, and ends at timeoutSeconds', async () => {
    const w = await watch(
      kube,
      `${WIC}?watch=1&resourceVersion=0&labelSelector=page%3Dyes&timeoutSeconds=1`,
    );
    assert.equal(await w.ended, 'end');
    assert.deepEqual(
      w.events.map((e) => [e.type, meta(e.object).name]),
      [
        ['ADDED', 'p1'],
        ['ADDED', 'p2'],
      ],
    );
  });

  it('delivers 410 Gone as an ERROR watch event past the retained window, then closes', async () => {
    const old = (await call(kube, 'GET', WIC)).body.metadata as { resourceVersion: string };
    for (let i = 0; i < 25; i++) await call(kube, 'POST', WIC, { body: wic(`churn${i}`) });
    const w = await watch(kube, `${WIC}?watch=true&resourceVersion=${old.resourceVersion}`);
    assert.equal(w.status, 200);
    assert.equal(await w.ended, 'end');
    assert.equal(w.events.length, 1);
    assert.deepEqual(
      [
        w.events[0]?.type,
        w.events[0]?.object.kind,
        w.events[0]?.object.code,
        w.events[0]?.object.reason,
      ],
      ['ERROR', 'Status', 410, 'Expired'],
    );
    const current = ((await call(kube, 'GET', WIC)).body.metadata as { resourceVersion: string })
      .resourceVersion;
    kube.compact();
    const after = await watch(kube, `${WIC}?watch=true&resourceVersion=${current}`);
    await after.ended;
    assert.equal(after.events[0]?.object.code, 410);
  });

  it('shows two watchers the same events in the same order', async () => {
    const rv = ((await call(kube, 'GET', WIC)).body.metadata as { resourceVersion: string })
      .resourceVersion;
    const a = await watch(kube, `${WIC}?watch=true&resourceVersion=${rv}`);
    const b = await watch(kube, `${WIC}?watch=true&resourceVersion=${rv}`);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(kube, 'POST', WIC, { body: wic(`order${i}`) })),
    );
    const [ea, eb] = await Promise.all([a.take(10), b.take(10)]);
    const key = (e: { type: string; object: unknown }) =>
      `${e.type}:${String(meta(e.object).name)}:${String(meta(e.object).resourceVersion)}`;
    assert.deepEqual(ea.map(key), eb.map(key));
    const rvs = ea.map((e) => Number(meta(e.object).resourceVersion));
    assert.deepEqual(
      rvs,
      [...rvs].sort((x, y) => x - y),
    );
    a.close();
    b.close();
  });

  it('keeps a deleted object with finalizers until they are removed, then reports DELETED', async () => {
    await call(kube, 'POST', WIC, {
      body: {
        ...wic('fin'),
        metadata: { name: 'fin', finalizers: ['ingress.wise2c.com/agents-cleanup'] },
      },
    });
    const rv = (
      (await call(kube, 'GET', `${WIC}/fin`)).body.metadata as { resourceVersion: string }
    ).resourceVersion;
    const w = await watch(
      kube,
      `${WIC}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dfin`,
    );
    const del = await call(kube, 'DELETE', `${WIC}/fin`);
    assert.equal(del.status, 200);
    assert.ok(meta(del.body).deletionTimestamp);
    assert.equal((await call(kube, 'GET', `${WIC}/fin`)).status, 200);
    await call(kube, 'PATCH', `${WIC}/fin`, {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    await w.take(2);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['MODIFIED', 'DELETED'],
    );
    assert.equal((await call(kube, 'GET', `${WIC}/fin`)).status, 404);
    w.close();
  });

  it('injects faults: the next count matching requests get the Status, with Retry-After', async () => {
    kube.injectFault({
      method: 'GET',
      pathPattern: /wise2cingressconfigs\/p1$/,
      status: 429,
      retryAfterSeconds: 3,
      count: 2,
    });
    const first = await call(kube, 'GET', `${WIC}/p1`);
    assert.deepEqual(
      [first.status, first.headers['retry-after'], first.body.reason],
      [429, '3', 'TooManyRequests'],
    );
    assert.equal((await call(kube, 'GET', `${WIC}/p1`)).status, 429);
    assert.equal((await call(kube, 'GET', `${WIC}/p1`)).status, 200);
    kube.injectFault({ pathPattern: /./, status: 500, count: 1 });
    assert.equal((await call(kube, 'GET', '/api/v1/namespaces')).status, 500);
  });

  it('cuts every open watch: abruptly, or cleanly', async () => {
    const a = await watch(kube, `${WIC}?watch=true`);
    const b = await watch(kube, `/api/v1/namespaces?watch=true`);
    assert.equal(kube.stats().openWatches, 2);
    assert.equal(kube.cutWatches(), 2);
    assert.deepEqual(await Promise.all([a.ended, b.ended]), ['error', 'error']);
    const c = await watch(kube, `${WIC}?watch=true`);
    kube.cutWatches({ graceful: true });
    assert.equal(await c.ended, 'end');
    assert.equal(kube.stats().openWatches, 0);
  });
});
