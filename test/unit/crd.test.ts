import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { parse, parseAllDocuments } from 'yaml';
import {
  HOST_PATTERN,
  LIMITS,
  PATH_PATTERN,
  SERVICE_NAME_PATTERN,
  UPSTREAM_PATTERN,
  ingressSpecSchema,
} from '../../src/spec/index.ts';

type Schema = { properties?: Record<string, Schema>; items?: Schema; [k: string]: unknown };

const crd = parse(
  await readFile(new URL('../../crds/wise2cingressconfigs.yaml', import.meta.url), 'utf8'),
) as {
  spec: {
    names: Record<string, unknown>;
    versions: { name: string; schema: { openAPIV3Schema: Schema }; subresources: unknown }[];
  };
};
const version = crd.spec.versions[0];
const root = version?.schema.openAPIV3Schema as Schema;
const at = (...path: string[]): Schema =>
  path.reduce<Schema>(
    (s, part) => (part === '[]' ? (s.items as Schema) : (s.properties?.[part] as Schema)),
    root,
  );
const paths = at('spec', 'rules', '[]', 'http', 'paths', '[]');

test('the CRD names are those of DESIGN.md', () => {
  assert.deepEqual(crd.spec.names, {
    kind: 'Wise2cIngressConfig',
    listKind: 'Wise2cIngressConfigList',
    plural: 'wise2cingressconfigs',
    singular: 'wise2cingressconfig',
    shortNames: ['wic'],
    categories: ['wise2c'],
  });
  assert.equal(version?.name, 'v1');
  assert.deepEqual(version?.subresources, { status: {} });
});

test('the CRD patterns and limits are those the controller and agents enforce', () => {
  assert.equal(at('spec', 'rules', '[]', 'host').pattern, HOST_PATTERN);
  assert.equal(at('spec', 'rules', '[]', 'host').maxLength, LIMITS.hostMaxLength);
  assert.equal(at('spec', 'rules').maxItems, LIMITS.rulesMax);
  assert.equal(paths.properties?.path?.pattern, PATH_PATTERN);
  assert.equal(paths.properties?.path?.maxLength, LIMITS.pathMaxLength);
  assert.equal(at('spec', 'rules', '[]', 'http', 'paths').maxItems, LIMITS.pathsMax);
  const backend = paths.properties?.backend as Schema;
  assert.equal(backend.properties?.service?.properties?.name?.pattern, SERVICE_NAME_PATTERN);
  assert.equal(backend.properties?.upstreams?.items?.pattern, UPSTREAM_PATTERN);
  assert.equal(backend.properties?.upstreams?.maxItems, LIMITS.upstreamsMax);
});

test('every example is a valid spec', async () => {
  const dir = new URL('../../examples/', import.meta.url);
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(new URL(file, dir), 'utf8'))) {
      const obj = doc.toJS() as { kind: string; spec: unknown };
      assert.equal(obj.kind, 'Wise2cIngressConfig', file);
      const result = ingressSpecSchema.safeParse(obj.spec);
      assert.ok(result.success, `${file}: ${result.error?.message}`);
    }
  }
});
