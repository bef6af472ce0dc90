// Structural-schema validation, pruning and defaulting, and CRD acceptance, against the
// project's own CRD and the real server's wording.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { validateCrd } from '../../src/local-kube/crd-validate.ts';
import { typesFromCrd } from '../../src/local-kube/crd.ts';
import type { Obj, Schema } from '../../src/local-kube/schema.ts';
import { applyDefaults, prune } from '../../src/local-kube/schema-prune.ts';
import { validateValue } from '../../src/local-kube/schema-validate.ts';

const repo = path.join(import.meta.dirname, '..', '..');
const crd = YAML.parse(
  readFileSync(path.join(repo, 'crds', 'wise2cingressconfigs.yaml'), 'utf8'),
) as Obj;
const schema = (((crd.spec as Obj).versions as Obj[])[0]?.schema as Obj).openAPIV3Schema as Schema;
const specSchema = schema.properties?.spec as Schema;

const path0 = { path: '/', pathType: 'Prefix', backend: { upstreams: ['10.0.0.1:80'] } };
const valid = { rules: [{ host: '*.shop.example.com', http: { paths: [path0] } }] };
const problems = (spec: unknown) =>
  validateValue(spec, specSchema, 'spec').map((c) => [c.field, c.reason, c.message]);

describe('local-kube schema validation (the project CRD)', () => {
  it('accepts a valid spec', () => {
    assert.deepEqual(problems(valid), []);
  });

  it('reports required fields', () => {
    assert.deepEqual(problems({}), [['spec.rules', 'FieldValueRequired', 'Required value']]);
  });

  it('reports pattern, enum, minimum/maximum like the real server', () => {
    const bad = {
      rules: [
        {
          host: 'A_B',
          http: {
            paths: [
              { path: 'x', pathType: 'Regex', backend: { service: { name: 'svc', port: 0 } } },
            ],
          },
        },
      ],
    };
    assert.deepEqual(problems(bad), [
      [
        'spec.rules[0].host',
        'FieldValueInvalid',
        `Invalid value: "A_B": spec.rules[0].host in body should match '${String(((((specSchema.properties?.rules as Schema).items as Schema).properties as Record<string, Schema>).host as Schema).pattern)}'`,
      ],
      [
        'spec.rules[0].http.paths[0].path',
        'FieldValueInvalid',
        `Invalid value: "x": spec.rules[0].http.paths[0].path in body should match '^/[A-Za-z0-9._~/@:+,=-]*$'`,
      ],
      [
        'spec.rules[0].http.paths[0].pathType',
        'FieldValueNotSupported',
        'Unsupported value: "Regex": supported values: "Prefix", "Exact"',
      ],
      [
        'spec.rules[0].http.paths[0].backend.service.port',
        'FieldValueInvalid',
        'Invalid value: 0: spec.rules[0].http.paths[0].backend.service.port in body should be greater than or equal to 1',
      ],
    ]);
  });

  it('reports minItems, maxItems and maxLength', () => {
    assert.deepEqual(problems({ rules: [] }), [
      [
        'spec.rules',
        'FieldValueInvalid',
        'Invalid value: 0: spec.rules in body should have at least 1 items',
      ],
    ]);
    const many = { rules: Array.from({ length: 101 }, () => valid.rules[0]) };
    assert.deepEqual(problems(many), [
      ['spec.rules', 'FieldValueTooMany', 'Too many: 101: must have at most 100 items'],
    ]);
    const long = {
      rules: [{ host: `${'a'.repeat(60)}.`.repeat(5) + 'com', http: { paths: [path0] } }],
    };
    assert.deepEqual(problems(long)[0]?.slice(0, 2), ['spec.rules[0].host', 'FieldValueTooLong']);
  });

  it('reports oneOf with none or both branches', () => {
    const withBackend = (backend: Obj) => ({
      rules: [{ host: 'a.com', http: { paths: [{ ...path0, backend }] } }],
    });
    assert.deepEqual(
      problems(withBackend({})).map((p) => p[1]),
      ['FieldValueInvalid'],
    );
    assert.match(
      String(problems(withBackend({}))[0]?.[2]),
      /must validate one and only one schema \(oneOf\)\. Found none valid/,
    );
    assert.match(
      String(
        problems(withBackend({ service: { name: 'a', port: 1 }, upstreams: ['a:1'] }))[0]?.[2],
      ),
      /Found 2 valid alternatives/,
    );
  });

  it('reports wrong types, and formats (date-time)', () => {
    assert.deepEqual(
      problems({ rules: 'x' }).map((p) => p[1]),
      ['FieldValueTypeInvalid'],
    );
    const status = schema.properties?.status as Schema;
    const causes = validateValue(
      { agents: [{ name: 'a', state: 'Synced', lastAttemptTime: 'yesterday' }] },
      status,
      'status',
    );
    assert.deepEqual(
      causes.map((c) => c.field),
      ['status.agents[0].lastAttemptTime'],
    );
  });
});

describe('local-kube pruning and defaulting', () => {
  it('drops undeclared fields and reports their paths; keeps apiVersion, kind and ObjectMeta fields', () => {
    const obj: Obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a', bogus: 1 },
      spec: { ...valid, extra: true },
      other: 1,
    };
    assert.deepEqual(prune(obj, schema).sort(), ['metadata.bogus', 'other', 'spec.extra']);
    assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: valid });
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields and in additionalProperties maps', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const obj: Obj = { free: { a: { b: 1 } }, map: { k: 'v' } };
    assert.deepEqual(prune(obj, s), []);
    assert.deepEqual(obj, { free: { a: { b: 1 } }, map: { k: 'v' } });
  });

  it('applies defaults to missing fields and to non-nullable nulls', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        b: { type: 'object', default: {}, properties: { c: { type: 'integer', default: 3 } } },
        n: { type: 'string', nullable: true, default: 'd' },
      },
    };
    const obj: Obj = { a: null, n: null };
    applyDefaults(obj, s);
    assert.deepEqual(obj, { a: 'x', b: { c: 3 }, n: null });
  });
});

describe('local-kube CRD acceptance', () => {
  it('accepts the project CRD, with its printer columns', () => {
    assert.deepEqual(validateCrd(crd), []);
    const [t] = typesFromCrd(crd);
    assert.deepEqual(
      t?.columns.map((c) => c.name),
      ['Hosts', 'Synced', 'Ready', 'Reason', 'Age'],
    );
    assert.deepEqual(
      [t?.kind, t?.plural, t?.shortNames, t?.categories, t?.namespaced, t?.status],
      ['Wise2cIngressConfig', 'wise2cingressconfigs', ['wic'], ['wise2c'], true, true],
    );
  });

  const variant = (mutate: (spec: Obj) => void): Obj => {
    const copy = structuredClone(crd);
    mutate(copy.spec as Obj);
    return copy;
  };
  const fields = (c: Obj) => validateCrd(c).map((x) => x.field);

  it('refuses a name that is not plural.group, and a webhook conversion', () => {
    assert.deepEqual(fields({ ...crd, metadata: { name: 'wrong.ingress.wise2c.com' } }), [
      'metadata.name',
    ]);
    assert.deepEqual(fields(variant((s) => (s.conversion = { strategy: 'Webhook' }))), [
      'spec.conversion.strategy',
    ]);
  });

  it('refuses non-structural schemas and zero or two storage versions', () => {
    const untyped = variant(
      (s) =>
        ((
          (((s.versions as Obj[])[0]?.schema as Obj).openAPIV3Schema as Obj).properties as Obj
        ).spec = {}),
    );
    assert.deepEqual(fields(untyped), [
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type',
    ]);
    const twoStorage = variant(
      (s) => (s.versions = [...(s.versions as Obj[]), { ...(s.versions as Obj[])[0], name: 'v2' }]),
    );
    assert.deepEqual(fields(twoStorage), ['spec.versions']);
  });

  it('refuses x-kubernetes-validations anywhere, even inside a oneOf branch', () => {
    const cel = variant((s) => {
      const backend = (
        (
          (
            (
              (
                (
                  (((s.versions as Obj[])[0]?.schema as Obj).openAPIV3Schema as Obj)
                    .properties as Obj
                ).spec as Obj
              ).properties as Obj
            ).rules as Obj
          ).items as Obj
        ).properties as Obj
      ).http as Obj;
      backend['x-kubernetes-validations'] = [{ rule: 'true' }];
    });
    assert.equal(validateCrd(cel)[0]?.reason, 'FieldValueForbidden');
    assert.match(
      String(validateCrd(cel)[0]?.field),
      /properties\[http\]\.x-kubernetes-validations$/,
    );
  });
});
