// Value validation against a structural schema, with causes worded as kube-apiserver words them.
import type { StatusCause } from './errors.ts';
import { childPath, deepEqual, isObj, jsonType, type Schema } from './schema.ts';

/** Validates `value` at `path`; returns every problem (empty when valid). */
export function validateValue(value: unknown, schema: Schema, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  check(value, schema, path, out);
  return out;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (isObj(value)) return '"object"';
  if (Array.isArray(value)) return '"array"';
  return String(value);
}

function invalid(out: StatusCause[], field: string, value: unknown, detail: string): void {
  out.push({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${show(value)}: ${field} in body ${detail}`,
    field,
  });
}

function typeOk(value: unknown, schema: Schema): boolean {
  if (schema['x-kubernetes-int-or-string'])
    return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'object':
      return isObj(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === schema.type;
  }
}

function check(value: unknown, schema: Schema, path: string, out: StatusCause[]): void {
  if (value === null) {
    if (!schema.nullable && (schema.type || schema['x-kubernetes-int-or-string'])) {
      out.push({
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "null": ${path} in body must be of type ${schema.type ?? 'int-or-string'}: "null"`,
        field: path,
      });
    }
    return;
  }
  if (!typeOk(value, schema)) {
    const want = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
    out.push({
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: ${show(jsonType(value))}: ${path} in body must be of type ${want}: ${show(jsonType(value))}`,
      field: path,
    });
    return;
  }
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) {
    const supported = schema.enum.map((e) => JSON.stringify(e)).join(', ');
    out.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}`,
      field: path,
    });
  }
  if (typeof value === 'string') checkString(value, schema, path, out);
  if (typeof value === 'number') checkNumber(value, schema, path, out);
  if (Array.isArray(value)) checkArray(value, schema, path, out);
  if (isObj(value)) checkObject(value, schema, path, out);
  checkJunctors(value, schema, path, out);
}

function checkString(value: string, schema: Schema, path: string, out: StatusCause[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    out.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${schema.maxLength} bytes`,
      field: path,
    });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    invalid(out, path, value, `should be at least ${schema.minLength} chars long`);
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    invalid(out, path, value, `should match '${schema.pattern}'`);
  }
  const format = schema.format ? FORMATS[schema.format] : undefined;
  if (format && !format.test(value)) {
    out.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${show(value)}: ${path} in body must be of type ${schema.format}: ${show(value)}`,
      field: path,
    });
  }
}

// The string formats kube-openapi checks; formats it does not know (int32, int64, ...) pass.
const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  hostname:
    /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/,
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/,
};

function checkNumber(value: number, schema: Schema, path: string, out: StatusCause[]): void {
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      invalid(
        out,
        path,
        value,
        `should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`,
      );
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      invalid(
        out,
        path,
        value,
        `should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`,
      );
    }
  }
  if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf)) {
    invalid(out, path, value, `should be a multiple of ${schema.multipleOf}`);
  }
}

function checkArray(value: unknown[], schema: Schema, path: string, out: StatusCause[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    out.push({
      reason: 'FieldValueTooMany',
      message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      field: path,
    });
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    invalid(out, path, value.length, `should have at least ${schema.minItems} items`);
  }
  const listType = schema['x-kubernetes-list-type'];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const identity = (v: unknown) =>
    listType === 'map' && isObj(v) ? Object.fromEntries(keys.map((k) => [k, v[k]])) : v;
  if (schema.uniqueItems || listType === 'set' || listType === 'map') {
    value.forEach((v, i) => {
      if (value.slice(0, i).some((w) => deepEqual(identity(w), identity(v)))) {
        out.push({
          reason: 'FieldValueDuplicate',
          message: `Duplicate value: ${JSON.stringify(identity(v))}`,
          field: childPath(path, i),
        });
      }
    });
  }
  if (schema.items)
    value.forEach((v, i) => check(v, schema.items as Schema, childPath(path, i), out));
}

function checkObject(
  value: Record<string, unknown>,
  schema: Schema,
  path: string,
  out: StatusCause[],
): void {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key))
      out.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: childPath(path, key),
      });
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    out.push({
      reason: 'FieldValueTooMany',
      message: `Too many: ${count}: must have at most ${schema.maxProperties} items`,
      field: path,
    });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    invalid(out, path, count, `should have at least ${schema.minProperties} properties`);
  }
  const props = schema.properties ?? {};
  for (const [key, child] of Object.entries(value)) {
    const sub =
      props[key] ?? (isObj(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) check(child, sub, childPath(path, key), out);
  }
}

function checkJunctors(value: unknown, schema: Schema, path: string, out: StatusCause[]): void {
  const passes = (s: Schema) => validateValue(value, s, path).length === 0;
  for (const s of schema.allOf ?? []) check(value, s, path, out);
  if (schema.anyOf && !schema.anyOf.some(passes)) {
    invalid(out, path, value, 'must validate at least one schema (anyOf)');
  }
  if (schema.oneOf) {
    const valid = schema.oneOf.filter(passes).length;
    if (valid !== 1) {
      const found = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      invalid(out, path, value, `must validate one and only one schema (oneOf). ${found}`);
    }
  }
  if (schema.not && passes(schema.not))
    invalid(out, path, value, 'must not validate the schema (not)');
}
