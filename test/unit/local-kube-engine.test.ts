// The API engine without sockets: metadata, generation, /status, concurrency, validation,
// finalizers, namespace and CRD lifecycle, garbage collection, history and 410.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { deleteObject } from '../../src/local-kube/deletion.ts';
import { createEngine, type Engine } from '../../src/local-kube/engine.ts';
import { ApiError } from '../../src/local-kube/errors.ts';
import type { ResourceType } from '../../src/local-kube/resources.ts';
import type { Obj } from '../../src/local-kube/schema.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'local-kube');
const repo = path.join(import.meta.dirname, '..', '..');
const load = (file: string): Obj => YAML.parse(readFileSync(file, 'utf8')) as Obj;

function type(e: Engine, group: string, version: string, plural: string): ResourceType {
  const t = e.registry.get(group, version, plural);
  assert.ok(t, `${group}/${version}/${plural} is served`);
  return t;
}

function withCrds(): Engine {
  const e = createEngine(50);
  const crds = type(e, 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  e.objects.create(crds, '', load(path.join(repo, 'crds', 'wise2cingressconfigs.yaml')));
  e.objects.create(crds, '', load(path.join(fixtures, 'widgets-crd.yaml')));
  return e;
}

function widget(name: string, spec: Obj = { size: 2 }, extra: Obj = {}): Obj {
  return {
    apiVersion: 'test.local-kube.dev/v1',
    kind: 'Widget',
    metadata: { name, ...extra },
    spec,
  };
}

function apiError(fn: () => unknown, code: number, reason: string): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, `ApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.reason, reason);
    return error;
  }
  assert.fail(`expected ${code} ${reason}`);
}

describe('local-kube engine', () => {
  it('creates the default namespaces, each labelled with its name', () => {
    const e = createEngine();
    const names = e.store.list('/namespaces').map((n) => (n.metadata as Obj).name);
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const ns = e.store.get('/namespaces', '', 'default') as Obj;
    assert.deepEqual((ns.metadata as Obj).labels, { 'kubernetes.io/metadata.name': 'default' });
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  it('establishes a CRD and serves every served version', () => {
    const e = withCrds();
    const crd = e.store.get(
      'apiextensions.k8s.io/customresourcedefinitions',
      '',
      'widgets.test.local-kube.dev',
    ) as Obj;
    const conditions = (crd.status as Obj).conditions as Obj[];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status]),
      [
        ['NamesAccepted', 'True'],
        ['Established', 'True'],
      ],
    );
    assert.deepEqual((crd.metadata as Obj).finalizers, [
      'customresourcecleanup.apiextensions.k8s.io',
    ]);
    assert.ok(e.registry.get('test.local-kube.dev', 'v1beta1', 'widgets'));
    assert.equal(type(e, 'ingress.wise2c.com', 'v1', 'wise2cingressconfigs').status, true);
  });

  it('sets uid, creationTimestamp, generation 1 and one increasing resourceVersion', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const before = e.store.resourceVersion;
    const a = e.objects.create(t, 'default', widget('a')).object;
    const b = e.objects.create(t, 'default', widget('b')).object;
    const ma = a.metadata as Obj;
    assert.match(ma.uid as string, /^[0-9a-f-]{36}$/);
    assert.match(ma.creationTimestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(ma.generation, 1);
    assert.ok(Number(ma.resourceVersion) > before);
    assert.ok(Number((b.metadata as Obj).resourceVersion) > Number(ma.resourceVersion));
  });

  it('defaults, and drops status on create for a resource with /status', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const obj = e.objects.create(t, 'default', { ...widget('a'), status: { ready: true } }).object;
    assert.deepEqual(obj.spec, { size: 2, color: 'blue' });
    assert.equal(obj.status, undefined);
  });

  it('answers 409 AlreadyExists, 404 for a missing namespace, and names from generateName', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(t, 'default', widget('a'));
    apiError(() => e.objects.create(t, 'default', widget('a')), 409, 'AlreadyExists');
    const err = apiError(() => e.objects.create(t, 'nowhere', widget('b')), 404, 'NotFound');
    assert.equal(err.message, 'namespaces "nowhere" not found');
    const generated = e.objects.create(t, 'default', {
      ...widget(''),
      metadata: { generateName: 'w-' },
    }).object;
    assert.match((generated.metadata as Obj).name as string, /^w-[a-z0-9]{5}$/);
  });

  it('bumps generation on spec changes only; the main endpoint ignores status', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const a = e.objects.create(t, 'default', widget('a')).object;
    const labelled = e.objects.update(t, 'default', 'a', {
      ...a,
      metadata: { ...(a.metadata as Obj), labels: { x: 'y' } },
      status: { ready: true },
    }).object;
    assert.equal((labelled.metadata as Obj).generation, 1);
    assert.equal(labelled.status, undefined);
    const resized = e.objects.update(t, 'default', 'a', { ...labelled, spec: { size: 3 } }).object;
    assert.equal((resized.metadata as Obj).generation, 2);
  });

  it('changes only status through /status, without a generation bump', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const a = e.objects.create(t, 'default', widget('a')).object;
    const next = e.objects.update(
      t,
      'default',
      'a',
      {
        ...a,
        spec: { size: 9 },
        metadata: { ...(a.metadata as Obj), labels: { x: 'y' } },
        status: { ready: true },
      },
      { subresource: 'status' },
    ).object;
    assert.deepEqual(next.status, { ready: true });
    assert.deepEqual(next.spec, a.spec);
    assert.equal((next.metadata as Obj).labels, undefined);
    assert.equal((next.metadata as Obj).generation, 1);
  });

  it('does not write a no-op update', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const a = e.objects.create(t, 'default', widget('a')).object;
    const rv = e.store.resourceVersion;
    const same = e.objects.update(t, 'default', 'a', a).object;
    assert.equal(e.store.resourceVersion, rv);
    assert.equal((same.metadata as Obj).resourceVersion, (a.metadata as Obj).resourceVersion);
  });

  it('answers 409 Conflict on a stale resourceVersion, 422 on none for custom resources', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const a = e.objects.create(t, 'default', widget('a')).object;
    e.objects.update(t, 'default', 'a', { ...a, spec: { size: 4 } });
    const err = apiError(
      () => e.objects.update(t, 'default', 'a', { ...a, spec: { size: 5 } }),
      409,
      'Conflict',
    );
    assert.match(
      err.message,
      /the object has been modified; please apply your changes to the latest version/,
    );
    const { resourceVersion: _rv, ...meta } = a.metadata as Obj;
    apiError(() => e.objects.update(t, 'default', 'a', { ...a, metadata: meta }), 422, 'Invalid');
    const lease = type(e, 'coordination.k8s.io', 'v1', 'leases');
    e.objects.create(lease, 'default', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a' },
    });
    const updated = e.objects.update(lease, 'default', 'l', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: 'b' },
    });
    assert.deepEqual(updated.object.spec, { holderIdentity: 'b' });
  });

  it('answers 422 Invalid with one cause per problem', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const err = apiError(
      () =>
        e.objects.create(
          t,
          'default',
          widget('a', {
            size: 11,
            color: 'green',
            name: 'x',
            tags: ['a', 'a'],
            port: 1.5,
            when: 'noon',
          }),
        ),
      422,
      'Invalid',
    );
    const causes = (err.details?.causes ?? []).map((c) => [c.field, c.reason]);
    assert.deepEqual(causes.sort(), [
      ['spec.color', 'FieldValueNotSupported'],
      ['spec.name', 'FieldValueInvalid'],
      ['spec.port', 'FieldValueTypeInvalid'],
      ['spec.size', 'FieldValueInvalid'],
      ['spec.tags[1]', 'FieldValueDuplicate'],
      ['spec.when', 'FieldValueInvalid'],
    ]);
    assert.match(err.message, /^Widget\.test\.local-kube\.dev "a" is invalid: \[/);
    apiError(() => e.objects.create(t, 'default', widget('UPPER')), 422, 'Invalid');
  });

  it('prunes unknown fields with a warning, or refuses them with fieldValidation=Strict', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const result = e.objects.create(
      t,
      'default',
      widget('a', { size: 1, bogus: 1, extra: { anything: { goes: 1 } } }),
    );
    assert.deepEqual(result.object.spec, {
      size: 1,
      color: 'blue',
      extra: { anything: { goes: 1 } },
    });
    assert.deepEqual(result.warnings, ['unknown field "spec.bogus"']);
    const err = apiError(
      () =>
        e.objects.create(t, 'default', widget('b', { size: 1, bogus: 1 }), {
          fieldValidation: 'Strict',
        }),
      400,
      'BadRequest',
    );
    assert.match(err.message, /strict decoding error: unknown field "spec.bogus"/);
  });

  it('keeps an object with finalizers: deletionTimestamp set, generation bumped, removed when they are gone', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(t, 'default', widget('a', { size: 1 }, { finalizers: ['test.dev/hold'] }));
    const result = deleteObject(e.objects, t, 'default', 'a', {});
    assert.equal(result.removed, false);
    const meta = result.object.metadata as Obj;
    assert.ok(meta.deletionTimestamp);
    assert.equal(meta.generation, 2);
    const held = e.store.get(t.storage, 'default', 'a') as Obj;
    apiError(
      () =>
        e.objects.update(t, 'default', 'a', {
          ...held,
          metadata: { ...(held.metadata as Obj), finalizers: ['test.dev/hold', 'test.dev/more'] },
        }),
      422,
      'Invalid',
    );
    e.objects.update(t, 'default', 'a', {
      ...held,
      metadata: { ...(held.metadata as Obj), finalizers: [] },
    });
    assert.equal(e.store.get(t.storage, 'default', 'a'), undefined);
  });

  it('checks delete preconditions', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(t, 'default', widget('a'));
    apiError(
      () => deleteObject(e.objects, t, 'default', 'a', { preconditions: { uid: 'nope' } }),
      409,
      'Conflict',
    );
    apiError(
      () => deleteObject(e.objects, t, 'default', 'a', { preconditions: { resourceVersion: '1' } }),
      409,
      'Conflict',
    );
  });

  it('empties a deleted namespace, refuses new content meanwhile, then removes it', () => {
    const e = withCrds();
    const ns = type(e, '', 'v1', 'namespaces');
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(ns, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    e.objects.create(t, 'team', widget('free'));
    e.objects.create(t, 'team', widget('held', { size: 1 }, { finalizers: ['test.dev/hold'] }));
    deleteObject(e.objects, ns, '', 'team', {});
    assert.equal(e.store.get(t.storage, 'team', 'free'), undefined);
    assert.equal((e.store.get('/namespaces', '', 'team')?.status as Obj).phase, 'Terminating');
    apiError(() => e.objects.create(t, 'team', widget('late')), 403, 'Forbidden');
    const held = e.store.get(t.storage, 'team', 'held') as Obj;
    e.objects.update(t, 'team', 'held', {
      ...held,
      metadata: { ...(held.metadata as Obj), finalizers: [] },
    });
    assert.equal(e.store.get('/namespaces', '', 'team'), undefined);
  });

  it('deletes a CRD only after its custom resources, and stops serving it', () => {
    const e = withCrds();
    const crds = type(e, 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(t, 'default', widget('a'));
    deleteObject(e.objects, crds, '', 'widgets.test.local-kube.dev', {});
    assert.equal(e.store.list(t.storage).length, 0);
    assert.equal(e.store.get(crds.storage, '', 'widgets.test.local-kube.dev'), undefined);
    assert.equal(e.registry.get('test.local-kube.dev', 'v1', 'widgets'), undefined);
  });

  it('collects dependents whose owners are gone, and orphans them on request', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const owner = e.objects.create(t, 'default', widget('owner')).object;
    const ref = {
      apiVersion: 'test.local-kube.dev/v1',
      kind: 'Widget',
      name: 'owner',
      uid: (owner.metadata as Obj).uid,
    };
    e.objects.create(t, 'default', widget('child', { size: 1 }, { ownerReferences: [ref] }));
    deleteObject(e.objects, t, 'default', 'owner', {});
    assert.equal(e.store.get(t.storage, 'default', 'child'), undefined);
    const owner2 = e.objects.create(t, 'default', widget('owner2')).object;
    e.objects.create(
      t,
      'default',
      widget(
        'kept',
        { size: 1 },
        { ownerReferences: [{ ...ref, name: 'owner2', uid: (owner2.metadata as Obj).uid }] },
      ),
    );
    deleteObject(e.objects, t, 'default', 'owner2', { propagationPolicy: 'Orphan' });
    assert.equal(
      ((e.store.get(t.storage, 'default', 'kept') as Obj).metadata as Obj).ownerReferences,
      undefined,
    );
  });

  it('keeps a bounded history: resume within it, 410 past it or after compact()', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    const start = e.store.resourceVersion;
    e.objects.create(t, 'default', widget('a'));
    assert.deepEqual(
      e.store.eventsSince(start)?.map((ev) => ev.type),
      ['ADDED'],
    );
    for (let i = 0; i < 60; i++) e.objects.create(t, 'default', widget(`w${i}`));
    assert.equal(e.store.eventsSince(start), undefined);
    const now = e.store.resourceVersion;
    assert.deepEqual(e.store.eventsSince(now), []);
    e.store.compact();
    assert.equal(e.store.eventsSince(now), undefined);
  });

  it('rolls a bucket back to an earlier resourceVersion from the history', () => {
    const e = withCrds();
    const t = type(e, 'test.local-kube.dev', 'v1', 'widgets');
    e.objects.create(t, 'default', widget('a'));
    const rv = e.store.resourceVersion;
    e.objects.create(t, 'default', widget('b'));
    deleteObject(e.objects, t, 'default', 'a', {});
    const names = (objs: readonly Obj[] | undefined) => objs?.map((o) => (o.metadata as Obj).name);
    assert.deepEqual(names(e.store.snapshotAt(t.storage, rv)), ['a']);
    assert.deepEqual(names(e.store.list(t.storage)), ['b']);
  });

  it('serves core Events and events.k8s.io Events as one set of objects', () => {
    const e = createEngine();
    const core = type(e, '', 'v1', 'events');
    const next = type(e, 'events.k8s.io', 'v1', 'events');
    e.objects.create(next, 'default', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      eventTime: '2024-05-01T10:00:00.123Z',
      reportingController: 'wise2c.com/controller',
      reportingInstance: 'c-1',
      action: 'Push',
      reason: 'Synced',
      note: 'pushed',
      type: 'Normal',
      regarding: { kind: 'Wise2cIngressConfig', name: 'shop', namespace: 'default' },
    });
    const stored = e.store.get(core.storage, 'default', 'e1') as Obj;
    assert.equal(stored.message, 'pushed');
    assert.equal(stored.eventTime, '2024-05-01T10:00:00.123000Z');
    assert.deepEqual(stored.involvedObject, {
      kind: 'Wise2cIngressConfig',
      name: 'shop',
      namespace: 'default',
    });
    apiError(
      () =>
        e.objects.create(next, 'default', {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'e2' },
          note: 'x',
        }),
      422,
      'Invalid',
    );
    apiError(
      () =>
        e.objects.create(core, 'default', {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e3' },
          involvedObject: { namespace: 'other' },
        }),
      422,
      'Invalid',
    );
  });

  it('refuses a CRD with CEL rules, naming the rule and why', () => {
    const e = createEngine();
    const crds = type(e, 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    const err = apiError(
      () => e.objects.create(crds, '', load(path.join(fixtures, 'cel-crd.yaml'))),
      422,
      'Invalid',
    );
    assert.equal(
      err.details?.causes?.[0]?.field,
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations',
    );
    assert.match(err.message, /local-kube cannot evaluate CEL validation rules/);
    assert.equal(e.registry.get('test.local-kube.dev', 'v1', 'gadgets'), undefined);
  });
});
