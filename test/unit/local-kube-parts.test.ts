// The small parts: selectors, patches, Table cells, ages, version order, content negotiation,
// the protobuf Namespace reader, fault matching.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { negotiate } from '../../src/local-kube/content.ts';
import { typesFromCrd } from '../../src/local-kube/crd.ts';
import { compareVersions, wantsAggregated } from '../../src/local-kube/discovery.ts';
import { ApiError } from '../../src/local-kube/errors.ts';
import { Faults } from '../../src/local-kube/faults.ts';
import {
  jsonPatch,
  mergePatch,
  PatchTestFailed,
  strategicMergePatch,
} from '../../src/local-kube/patch.ts';
import { decodeProtobuf } from '../../src/local-kube/protobuf.ts';
import type { Obj } from '../../src/local-kube/schema.ts';
import { parseFieldSelector, parseLabelSelector } from '../../src/local-kube/selectors.ts';
import { toTable } from '../../src/local-kube/table.ts';
import { humanDuration, normalizeTime } from '../../src/local-kube/times.ts';

describe('local-kube selectors', () => {
  it('matches equality, set and existence requirements', () => {
    const m = parseLabelSelector('app=web,tier in (a, b),!legacy,zone,env!=prod');
    assert.equal(m({ app: 'web', tier: 'a', zone: 'z' }), true);
    assert.equal(m({ app: 'web', tier: 'c', zone: 'z' }), false);
    assert.equal(m({ app: 'web', tier: 'a', zone: 'z', legacy: '' }), false);
    assert.equal(m({ app: 'web', tier: 'a' }), false);
    assert.equal(m({ app: 'web', tier: 'a', zone: 'z', env: 'prod' }), false);
    assert.equal(parseLabelSelector('x notin (1)')({}), true);
    assert.equal(parseLabelSelector('')({}), true);
  });

  it('refuses what the real server refuses, with 400', () => {
    for (const bad of ['a=b=c', 'bad key=1', 'a in (b', 'a,,b']) {
      assert.throws(
        () => parseLabelSelector(bad),
        (e: unknown) => e instanceof ApiError && e.code === 400,
        bad,
      );
    }
    assert.throws(
      () => parseFieldSelector('spec.x=1', ['metadata.name']),
      /field label not supported: spec.x/,
    );
    const f = parseFieldSelector('metadata.name=a,metadata.namespace!=b', [
      'metadata.name',
      'metadata.namespace',
    ]);
    assert.equal(f({ 'metadata.name': 'a', 'metadata.namespace': 'c' }), true);
    assert.equal(f({ 'metadata.name': 'a', 'metadata.namespace': 'b' }), false);
  });
});

describe('local-kube patches', () => {
  it('merge patch: objects merge, null deletes, lists replace', () => {
    assert.deepEqual(
      mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }),
      { a: { c: 2, d: 3 }, l: [3] },
    );
  });

  it('json patch: add, replace, remove, move, copy, test', () => {
    const doc = { spec: { list: [1, 2], x: 'a' } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'replace', path: '/spec/x', value: 'b' },
      { op: 'copy', from: '/spec/x', path: '/spec/y' },
      { op: 'move', from: '/spec/y', path: '/spec/z' },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'test', path: '/spec/z', value: 'b' },
    ]);
    assert.deepEqual(out, { spec: { list: [2, 3], x: 'b', z: 'b' } });
    assert.deepEqual(doc, { spec: { list: [1, 2], x: 'a' } });
    assert.throws(
      () => jsonPatch(doc, [{ op: 'test', path: '/spec/x', value: 'no' }]),
      PatchTestFailed,
    );
    assert.throws(
      () => jsonPatch(doc, [{ op: 'remove', path: '/spec/none' }]),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
    assert.throws(
      () => jsonPatch(doc, { op: 'add' }),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });

  it('strategic merge patch (built-ins): finalizers merge, directives kubectl sends are honoured', () => {
    const current = {
      metadata: { finalizers: ['a'], labels: { x: '1', y: '2' } },
      spec: { finalizers: ['kubernetes'] },
    };
    const patch = {
      $setElementOrder: 1,
      metadata: {
        finalizers: ['b'],
        labels: { y: null },
        '$setElementOrder/finalizers': ['a', 'b'],
      },
    };
    delete (patch as Obj).$setElementOrder;
    assert.deepEqual(strategicMergePatch(current, patch), {
      metadata: { finalizers: ['a', 'b'], labels: { x: '1' } },
      spec: { finalizers: ['kubernetes'] },
    });
    assert.deepEqual(
      strategicMergePatch(current, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }),
      { ...current, metadata: { ...current.metadata, finalizers: [] } },
    );
    assert.throws(
      () => strategicMergePatch(current, { spec: { $patch: 'replace' } }),
      /unsupported strategic merge patch directive/,
    );
  });
});

describe('local-kube tables', () => {
  const crd = YAML.parse(
    readFileSync(
      path.join(import.meta.dirname, '..', '..', 'crds', 'wise2cingressconfigs.yaml'),
      'utf8',
    ),
  ) as Obj;
  const [t] = typesFromCrd(crd);

  it('prints the printer columns; a [*] JSONPath shows the first match only, as the real server does', () => {
    assert.ok(t);
    const obj = {
      metadata: { name: 'shop', creationTimestamp: new Date(Date.now() - 90_000).toISOString() },
      spec: { rules: [{ host: 'a.com' }, { host: 'b.com' }] },
      status: {
        syncedAgents: '2/3',
        conditions: [
          { type: 'Other', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'AgentsPending' },
        ],
      },
    };
    const table = toTable(t, [obj], 'Metadata', { resourceVersion: '7' });
    assert.deepEqual(
      (table.columnDefinitions as Obj[]).map((c) => c.name),
      ['Name', 'Hosts', 'Synced', 'Ready', 'Reason', 'Age'],
    );
    const row = (table.rows as Obj[])[0] as Obj;
    assert.deepEqual(row.cells, ['shop', 'a.com', '2/3', 'False', 'AgentsPending', '90s']);
    assert.deepEqual(row.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: obj.metadata,
    });
    const empty = toTable(t, [{ metadata: { name: 'x' } }], 'None', {});
    assert.deepEqual((empty.rows as Obj[])[0], {
      cells: ['x', null, null, null, null, null],
    });
  });

  it('renders ages like apimachinery HumanDuration', () => {
    const s = 1000;
    assert.deepEqual(
      [
        5 * s,
        119 * s,
        150 * s,
        600 * s,
        3 * 3600 * s,
        3 * 3600 * s + 60 * s,
        10 * 3600 * s,
        50 * 3600 * s,
        400 * 86400 * s,
        3 * 365 * 86400 * s,
      ].map(humanDuration),
      ['5s', '119s', '2m30s', '10m', '3h', '3h1m', '10h', '2d2h', '400d', '3y'],
    );
  });

  it('normalizes Time and MicroTime, and refuses what is not RFC 3339', () => {
    const o: Obj = { a: '2024-01-02T03:04:05.5+01:00', b: '2024-01-02T03:04:05Z' };
    normalizeTime(o, 'a', true);
    normalizeTime(o, 'b', false);
    assert.deepEqual(o, { a: '2024-01-02T02:04:05.500000Z', b: '2024-01-02T03:04:05Z' });
    assert.throws(
      () => normalizeTime({ a: 'noon' }, 'a', false),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });
});

describe('local-kube negotiation and discovery order', () => {
  it('picks Table, PartialObjectMetadata, JSON or YAML, and 406 otherwise', () => {
    const kubectlGet =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    assert.equal(negotiate(kubectlGet, true).as, 'table');
    assert.equal(
      negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', true).as,
      'metadata',
    );
    assert.equal(
      negotiate('application/vnd.kubernetes.protobuf,application/json', false).as,
      'json',
    );
    assert.equal(negotiate('application/yaml', false).as, 'yaml');
    assert.throws(
      () => negotiate('application/vnd.kubernetes.protobuf', false),
      (e: unknown) => e instanceof ApiError && e.code === 406,
    );
    assert.equal(
      wantsAggregated(
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
      ),
      'v2',
    );
    assert.equal(wantsAggregated('application/json'), undefined);
  });

  it('orders versions as Kubernetes does', () => {
    assert.deepEqual(['v1alpha1', 'v1beta1', 'v2', 'v1', 'v1beta2', 'foo'].sort(compareVersions), [
      'v2',
      'v1',
      'v1beta2',
      'v1beta1',
      'v1alpha1',
      'foo',
    ]);
  });
});

describe('local-kube protobuf and faults', () => {
  it('reads the Namespace kubectl create namespace sends', () => {
    // Captured from `kubectl create namespace team-a` (kubectl 1.32).
    const body = Buffer.from(
      '6b3873000a0f0a02763112094e616d657370616365121a0a0e0a067465616d2d61120022002a001200120022002a00',
      'hex',
    );
    const parsed = decodeProtobuf(body);
    assert.deepEqual(parsed, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    assert.throws(
      () => decodeProtobuf(Buffer.from('not protobuf')),
      (e: unknown) => e instanceof ApiError && e.code === 415,
    );
  });

  it('answers the next count matching requests, then stops', () => {
    const faults = new Faults();
    faults.inject({
      method: 'GET',
      pathPattern: /\/leases/,
      status: 429,
      retryAfterSeconds: 2,
      count: 2,
    });
    assert.equal(
      faults.take('PUT', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x'),
      undefined,
    );
    const first = faults.take('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x');
    assert.deepEqual(
      [first?.code, first?.reason, first?.details?.retryAfterSeconds],
      [429, 'TooManyRequests', 2],
    );
    assert.ok(faults.take('GET', '/apis/coordination.k8s.io/v1/leases'));
    assert.equal(faults.take('GET', '/apis/coordination.k8s.io/v1/leases'), undefined);
    assert.equal(faults.served, 2);
  });
});
