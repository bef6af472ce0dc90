import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssues, ingressSpecSchema } from '../../src/spec/index.ts';

const valid = {
  rules: [
    {
      host: 'shop.example.com',
      http: {
        paths: [
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: 80 } } },
          {
            path: '/api',
            pathType: 'Exact',
            backend: { upstreams: ['10.0.0.1:8080', 'api.local:81'] },
          },
        ],
      },
    },
  ],
};

function withPath(path: Record<string, unknown>): unknown {
  return { rules: [{ host: 'a.example.com', http: { paths: [path] } }] };
}

describe('ingress spec schema', () => {
  test('accepts a valid spec with both backend kinds and a wildcard host', () => {
    assert.equal(ingressSpecSchema.safeParse(valid).success, true);
    const wildcard = { rules: [{ ...valid.rules[0], host: '*.example.com' }] };
    assert.equal(ingressSpecSchema.safeParse(wildcard).success, true);
  });

  for (const host of [
    'a;b.com',
    'a b.com',
    'A.com',
    'a.com{',
    'ex$ample.com',
    'bü.com',
    'a.com\n',
    '*.*.a.com',
  ]) {
    test(`refuses host ${JSON.stringify(host)}`, () => {
      const result = ingressSpecSchema.safeParse({ rules: [{ ...valid.rules[0], host }] });
      assert.equal(result.success, false);
    });
  }

  for (const path of [
    'api',
    '/a;b',
    '/a b',
    '/a{',
    '/a}',
    '/"x"',
    "/'x'",
    '/$host',
    '/#x',
    '/ü',
    '/a\nb',
  ]) {
    test(`refuses path ${JSON.stringify(path)}`, () => {
      const p = { path, pathType: 'Prefix', backend: { service: { name: 'web', port: 80 } } };
      assert.equal(ingressSpecSchema.safeParse(withPath(p)).success, false);
    });
  }

  for (const upstream of [
    '10.0.0.1',
    '10.0.0.1:0',
    '10.0.0.1:70000',
    '300.0.0.1:80',
    'a;b:80',
    'x y:80',
  ]) {
    test(`refuses upstream ${JSON.stringify(upstream)}`, () => {
      const p = { path: '/', pathType: 'Prefix', backend: { upstreams: [upstream] } };
      assert.equal(ingressSpecSchema.safeParse(withPath(p)).success, false);
    });
  }

  test('refuses a backend with both kinds, or neither', () => {
    const both = { service: { name: 'web', port: 80 }, upstreams: ['a:1'] };
    for (const backend of [both, {}]) {
      const p = { path: '/', pathType: 'Prefix', backend };
      assert.equal(ingressSpecSchema.safeParse(withPath(p)).success, false);
    }
  });

  test('refuses a host and path repeated within one resource, naming both places', () => {
    const p = { path: '/x', pathType: 'Prefix', backend: { service: { name: 'web', port: 80 } } };
    const result = ingressSpecSchema.safeParse({
      rules: [
        { host: 'a.example.com', http: { paths: [p] } },
        { host: 'a.example.com', http: { paths: [p] } },
      ],
    });
    assert.equal(result.success, false);
    assert.match(
      formatIssues(result.error, 'spec'),
      /spec\.rules\[1\]\.http\.paths\[0\]: .*rules\[0\]\.http\.paths\[0\]/,
    );
  });

  test('refuses In without values and Exists with values', () => {
    for (const expr of [
      { key: 'zone', operator: 'In', values: [] },
      { key: 'zone', operator: 'Exists', values: ['a'] },
    ]) {
      const result = ingressSpecSchema.safeParse({
        ...valid,
        agentSelector: { matchExpressions: [expr] },
      });
      assert.equal(result.success, false);
    }
  });
});
