// Validation of a CustomResourceDefinition as apiextensions-apiserver does it, plus one refusal of
// local-kube's own: rules it cannot evaluate (x-kubernetes-validations, conversion webhooks).
import type { StatusCause } from './errors.ts';
import { isObj, type Obj, type Schema } from './schema.ts';
import { validateValue } from './schema-validate.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const JUNCTOR_FORBIDDEN = [
  'type',
  'default',
  'additionalProperties',
  'nullable',
  'description',
  'title',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

/** Every reason the CRD cannot be served (empty when it can). */
export function validateCrd(crd: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const bad = (field: string, message: string, reason = 'FieldValueInvalid') =>
    out.push({ reason, field, message });
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const plural = typeof names.plural === 'string' ? names.plural : '';
  const name = isObj(crd.metadata) ? crd.metadata.name : undefined;
  if (!group) bad('spec.group', 'Required value', 'FieldValueRequired');
  else if (!DNS_SUBDOMAIN.test(group) || !group.includes('.'))
    bad('spec.group', `Invalid value: "${group}": should be a domain with at least one dot`);
  if (!plural) bad('spec.names.plural', 'Required value', 'FieldValueRequired');
  else if (!DNS_LABEL.test(plural))
    bad(
      'spec.names.plural',
      `Invalid value: "${plural}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
    );
  if (typeof names.kind !== 'string' || !names.kind)
    bad('spec.names.kind', 'Required value', 'FieldValueRequired');
  if (name !== `${plural}.${group}`)
    bad(
      'metadata.name',
      `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`,
    );
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    bad(
      'spec.scope',
      `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
      'FieldValueNotSupported',
    );
  }
  if (spec.preserveUnknownFields === true)
    bad('spec.preserveUnknownFields', 'Invalid value: true: must be false');
  const conversion = isObj(spec.conversion) ? spec.conversion.strategy : undefined;
  if (conversion !== undefined && conversion !== 'None') {
    bad(
      'spec.conversion.strategy',
      `Forbidden: local-kube does not run conversion webhooks (strategy ${JSON.stringify(conversion)}); only "None" is served`,
      'FieldValueForbidden',
    );
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    bad(
      'spec.versions',
      'Required value: must have exactly one version marked as storage version',
      'FieldValueRequired',
    );
  if (versions.filter((v) => isObj(v) && v.storage === true).length !== 1) {
    bad('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (!isObj(v) || typeof v.name !== 'string' || !DNS_LABEL.test(v.name)) {
      bad(`${path}.name`, 'Invalid value: must be a DNS-1035 label');
      return;
    }
    if (seen.has(v.name))
      bad(`${path}.name`, `Duplicate value: "${v.name}"`, 'FieldValueDuplicate');
    seen.add(v.name);
    const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObj(schema)) {
      bad(
        `${path}.schema.openAPIV3Schema`,
        'Required value: schemas are required',
        'FieldValueRequired',
      );
      return;
    }
    if (schema.type !== 'object')
      bad(
        `${path}.schema.openAPIV3Schema.type`,
        `Unsupported value: ${JSON.stringify(schema.type)}: supported values: "object"`,
        'FieldValueNotSupported',
      );
    checkNode(schema, `${path}.schema.openAPIV3Schema`, true, out);
    const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
    columns.forEach((c, j) => {
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!isObj(c) || typeof c.name !== 'string' || !c.name) {
        bad(`${cp}.name`, 'Required value', 'FieldValueRequired');
        return;
      }
      if (!COLUMN_TYPES.includes(c.type as string))
        bad(
          `${cp}.type`,
          `Unsupported value: ${JSON.stringify(c.type)}: supported values: ${COLUMN_TYPES.map((t) => `"${t}"`).join(', ')}`,
          'FieldValueNotSupported',
        );
      if (typeof c.jsonPath !== 'string' || !c.jsonPath.startsWith('.'))
        bad(
          `${cp}.jsonPath`,
          `Invalid value: ${JSON.stringify(c.jsonPath)}: must be a simple json path starting with .`,
        );
    });
  });
  return out;
}

function checkNode(s: Schema, path: string, root: boolean, out: StatusCause[]): void {
  const raw = s as Record<string, unknown>;
  if (raw['x-kubernetes-validations'] !== undefined) {
    out.push({
      reason: 'FieldValueForbidden',
      field: `${path}.x-kubernetes-validations`,
      message:
        'Forbidden: local-kube cannot evaluate CEL validation rules; it refuses this CRD rather than serve it with its rules ignored',
    });
  }
  if (raw.$ref !== undefined)
    out.push({
      reason: 'FieldValueForbidden',
      field: `${path}.$ref`,
      message: 'Forbidden: $ref is not supported',
    });
  const typeless = s['x-kubernetes-int-or-string'] || s['x-kubernetes-preserve-unknown-fields'];
  if (s.type === undefined && !typeless)
    out.push({
      reason: 'FieldValueRequired',
      field: `${path}.type`,
      message: 'Required: must not be empty for specified object fields',
    });
  if (s.type !== undefined && !TYPES.includes(s.type))
    out.push({
      reason: 'FieldValueNotSupported',
      field: `${path}.type`,
      message: `Unsupported value: "${s.type}"`,
    });
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push({
      reason: 'FieldValueForbidden',
      field: `${path}.additionalProperties`,
      message: 'Forbidden: additionalProperties and properties are mutual exclusive',
    });
  }
  if (s.type === 'array' && !s.items)
    out.push({
      reason: 'FieldValueRequired',
      field: `${path}.items`,
      message: 'Required: must be specified',
    });
  if (s['x-kubernetes-list-type'] === 'map' && !s['x-kubernetes-list-map-keys']?.length) {
    out.push({
      reason: 'FieldValueRequired',
      field: `${path}.x-kubernetes-list-map-keys`,
      message: 'Required value: must not be empty if x-kubernetes-list-type is map',
    });
  }
  if (root && isObj(s.properties?.metadata)) {
    const meta = s.properties.metadata;
    const extra = Object.keys(meta).filter(
      (k) => !['type', 'properties', 'description'].includes(k),
    );
    const props = Object.keys(meta.properties ?? {}).filter(
      (k) => k !== 'name' && k !== 'generateName',
    );
    if (extra.length > 0 || props.length > 0) {
      out.push({
        reason: 'FieldValueForbidden',
        field: `${path}.properties[metadata]`,
        message:
          'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      });
    }
  }
  if (s.default !== undefined) {
    const causes = validateValue(s.default, s, `${path}.default`);
    for (const c of causes)
      out.push({ ...c, message: `Invalid value: default does not validate: ${c.message}` });
  }
  for (const [k, sub] of Object.entries(s.properties ?? {}))
    checkNode(sub, `${path}.properties[${k}]`, false, out);
  if (isObj(s.additionalProperties))
    checkNode(s.additionalProperties, `${path}.additionalProperties`, false, out);
  if (s.items) checkNode(s.items, `${path}.items`, false, out);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const)
    (s[j] ?? []).forEach((b, i) => checkJunctor(b, `${path}.${j}[${i}]`, s, out));
  if (s.not) checkJunctor(s.not, `${path}.not`, s, out);
}

function checkJunctor(b: Schema, path: string, outer: Schema, out: StatusCause[]): void {
  const raw = b as Record<string, unknown>;
  for (const key of JUNCTOR_FORBIDDEN) {
    if (raw[key] !== undefined)
      out.push({
        reason: 'FieldValueForbidden',
        field: `${path}.${key}`,
        message: 'Forbidden: must be empty to be structural',
      });
  }
  if (raw['x-kubernetes-validations'] !== undefined)
    checkNode({ ...b, type: 'object' }, path, false, out);
  for (const k of Object.keys(b.properties ?? {})) {
    if (
      !outer.properties?.[k] &&
      !isObj(outer.additionalProperties) &&
      !outer['x-kubernetes-preserve-unknown-fields']
    ) {
      out.push({
        reason: 'FieldValueRequired',
        field: `${path}.properties[${k}]`,
        message: 'Required: must be specified in the structural part of the schema',
      });
    }
  }
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const)
    (b[j] ?? []).forEach((c, i) => checkJunctor(c, `${path}.${j}[${i}]`, outer, out));
}
