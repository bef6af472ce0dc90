import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplyError,
  renderConfigUpstreams,
  renderMainConf,
  renderNginxFiles,
  renderServers,
  upstreamName,
} from '../../src/agent/index.ts';
import type { IngressConfig } from '../../src/spec/index.ts';
import { INJECTIONS, injected, makeConfig } from '../support/agent-configs.ts';

test('Prefix renders `location /p`, Exact renders `location = /p`', () => {
  const config = makeConfig();
  config.spec.rules[0]!.http.paths.push({
    path: '/exact',
    pathType: 'Exact',
    backend: { upstreams: ['10.0.0.1:80'] },
  });
  config.spec.rules[0]!.http.paths[0]!.path = '/api';
  const text = renderServers([config], 8080).get('servers/app.example.com.conf');
  assert.ok(text);
  assert.match(text, /server_name app\.example\.com;/);
  assert.match(text, /listen 8080;/);
  assert.match(text, /location \/api \{\n\s+proxy_pass http:\/\/w2i_default_web_0_0;/);
  assert.match(text, /location = \/exact \{\n\s+proxy_pass http:\/\/w2i_default_web_0_1;/);
});

test('a service backend renders as <name>.<namespace>.svc.cluster.local:<port>', () => {
  const config: IngressConfig = {
    ...makeConfig({ namespace: 'shop' }),
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'cart', port: 8080 } } },
            ],
          },
        },
      ],
    },
  };
  const text = renderConfigUpstreams(config);
  assert.match(
    text,
    /upstream w2i_shop_web_0_0 \{\n\s+server cart\.shop\.svc\.cluster\.local:8080;\n\}/,
  );
  assert.match(text, /uid uid-1 generation 1/);
});

test('upstream names are unique per config, rule and path', () => {
  const a = makeConfig({ name: 'a' });
  const b = makeConfig({ name: 'b' });
  const names = new Set([
    upstreamName(a, 0, 0),
    upstreamName(a, 0, 1),
    upstreamName(a, 1, 0),
    upstreamName(b, 0, 0),
  ]);
  assert.equal(names.size, 4);
});

test('configs sharing a host share one server block, with every location', () => {
  const a = makeConfig({ name: 'a', uid: 'ua', path: '/a' });
  const b = makeConfig({ name: 'b', uid: 'ub', path: '/b' });
  const files = renderNginxFiles([b, a], 80);
  assert.deepEqual([...files.keys()].sort(), [
    'configs/default_a.conf',
    'configs/default_b.conf',
    'servers/app.example.com.conf',
  ]);
  const server = files.get('servers/app.example.com.conf')!;
  assert.equal(server.match(/server \{/g)?.length, 1);
  assert.ok(
    server.indexOf('location /a') < server.indexOf('location /b'),
    'locations in a stable order',
  );
  assert.deepEqual(renderNginxFiles([a, b], 80), files, 'input order does not change the output');
});

test('a wildcard host gets a file name without `*`', () => {
  const files = renderServers([makeConfig({ host: '*.example.com' })], 80);
  assert.deepEqual([...files.keys()], ['servers/_.example.com.conf']);
  assert.match(files.get('servers/_.example.com.conf')!, /server_name \*\.example\.com;/);
});

test('the renderer itself refuses every injection pattern in host, path and upstream', () => {
  for (const field of ['host', 'path', 'upstream'] as const) {
    for (const value of INJECTIONS) {
      assert.throws(
        () => renderNginxFiles([injected(field, value)], 80),
        (error: unknown) => error instanceof ApplyError && error.code === 'INVALID',
        `${field} with ${JSON.stringify(value)}`,
      );
    }
  }
});

test('the main conf keeps every path inside its folder and includes the generated files', () => {
  const text = renderMainConf({ dir: '/srv/w2i', port: 8081 });
  assert.match(text, /pid \/srv\/w2i\/nginx\.pid;/);
  assert.match(text, /listen 8081 default_server;/);
  assert.match(text, /include \/srv\/w2i\/configs\/\*\.conf;/);
  assert.match(text, /include \/srv\/w2i\/servers\/\*\.conf;/);
  assert.throws(() => renderMainConf({ dir: '/srv/w2i; evil', port: 80 }), /absolute path/);
  assert.throws(() => renderMainConf({ dir: '/srv', port: 0 }), /out of range/);
});
