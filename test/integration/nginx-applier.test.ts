// The nginx applier against a real nginx master on a free port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  ApplyError,
  createNginxApplier,
  type NginxSink,
  type StateApplier,
} from '../../src/agent/index.ts';
import { freePort, waitFor } from '../../src/devservices/index.ts';
import { makeConfig } from '../support/agent-configs.ts';
import { get, routedTo, startUpstream } from '../support/agent-upstream.ts';
import { testEnv } from '../support/env.ts';

let dir: string;
let port: number;
let applier: StateApplier;
let sink: NginxSink;
let blue: Awaited<ReturnType<typeof startUpstream>>;
let green: Awaited<ReturnType<typeof startUpstream>>;

function start(): Promise<unknown> {
  ({ applier, sink } = createNginxApplier({
    dir,
    bin: '/usr/sbin/nginx',
    port,
    workerProcesses: 1,
  }));
  return applier.start();
}

before(async () => {
  dir = await mkdtemp(path.join(testEnv().root, 'nginx-applier-'));
  port = await freePort();
  [blue, green] = await Promise.all([startUpstream('blue'), startUpstream('green')]);
  await start();
});

after(async () => {
  await applier.stop();
  await Promise.all([blue.close(), green.close()]);
});

test('a request on the agent port reaches the upstream by host and path; Exact matches only itself', async () => {
  const config = makeConfig({
    name: 'shop',
    host: 'shop.test',
    path: '/cart',
    upstreams: [blue.address],
  });
  config.spec.rules[0]!.http.paths.push({
    path: '/pay',
    pathType: 'Exact',
    backend: { upstreams: [green.address] },
  });
  assert.deepEqual(await applier.apply(config), { generation: 1, changed: true });
  // apply resolves once the old workers are shutting down: the route is live at once.
  const echo = await routedTo(port, 'shop.test', '/cart/items?id=3');
  assert.deepEqual(echo, { upstream: 'blue', host: 'shop.test', path: '/cart/items?id=3' });
  assert.equal((await routedTo(port, 'shop.test', '/pay'))?.upstream, 'green');
  assert.equal(
    (await get(port, 'shop.test', '/pay/more')).status,
    404,
    'Exact does not match below itself',
  );
  assert.equal((await get(port, 'other.test', '/cart')).status, 404, 'another host is not routed');
});

test('the same generation twice does not touch files; an older one is ignored', async () => {
  const config = makeConfig({
    name: 'shop',
    host: 'shop.test',
    path: '/cart',
    upstreams: [blue.address],
  });
  config.spec.rules[0]!.http.paths.push({
    path: '/pay',
    pathType: 'Exact',
    backend: { upstreams: [green.address] },
  });
  const file = path.join(dir, 'servers', 'shop.test.conf');
  const before = await readFile(file, 'utf8');
  assert.deepEqual(await applier.apply(config), { generation: 1, changed: false });
  const newer = makeConfig({
    name: 'shop',
    host: 'shop.test',
    path: '/cart',
    upstreams: [green.address],
    generation: 2,
  });
  assert.deepEqual(await applier.apply(newer), { generation: 2, changed: true });
  assert.deepEqual(await applier.apply(config), { generation: 2, changed: false });
  assert.notEqual(await readFile(file, 'utf8'), before);
  await waitFor(async () => (await routedTo(port, 'shop.test', '/cart'))?.upstream === 'green', {
    what: 'route to green',
  });
});

test("an nginx -t failure puts the previous files back and carries nginx's message", async () => {
  const files = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      await Promise.all(
        (await readdir(path.join(dir, 'servers'))).map(async (f): Promise<[string, string]> => [
          f,
          await readFile(path.join(dir, 'servers', f), 'utf8'),
        ]),
      ),
    );
  const beforeServers = await files();
  const beforeConfigs = (await readdir(path.join(dir, 'configs'))).sort();
  const bad = makeConfig({
    name: 'ghost',
    uid: 'g',
    host: 'shop.test',
    path: '/ghost',
    upstreams: ['no-such-host.invalid:80'],
  });
  await assert.rejects(applier.apply(bad), (error: unknown) => {
    assert.ok(error instanceof ApplyError);
    assert.equal(error.code, 'REJECTED');
    assert.match(error.message, /host not found in upstream "no-such-host\.invalid:80"/);
    return true;
  });
  assert.deepEqual(await files(), beforeServers);
  assert.deepEqual((await readdir(path.join(dir, 'configs'))).sort(), beforeConfigs);
  assert.deepEqual(await readdir(path.join(dir, 'state')), ['default_shop.json']);
  assert.equal(
    (await routedTo(port, 'shop.test', '/cart'))?.upstream,
    'green',
    'the live route still works',
  );
});

test('a second resource on the same host and path is refused; the first keeps serving', async () => {
  const rival = makeConfig({
    name: 'rival',
    uid: 'r',
    host: 'shop.test',
    path: '/cart',
    upstreams: [blue.address],
  });
  await assert.rejects(
    applier.apply(rival),
    /host shop\.test path \/cart is already served by default\/shop/,
  );
  const neighbour = makeConfig({
    name: 'rival',
    uid: 'r',
    host: 'shop.test',
    path: '/help',
    upstreams: [blue.address],
  });
  await applier.apply(neighbour);
  await waitFor(async () => (await routedTo(port, 'shop.test', '/help'))?.upstream === 'blue', {
    what: 'neighbour route',
  });
  assert.equal((await routedTo(port, 'shop.test', '/cart'))?.upstream, 'green');
});

test('a restart serves the saved state again; remove takes a route away', async () => {
  await applier.stop();
  await assert.rejects(get(port, 'shop.test', '/cart'), 'nginx stopped with the applier');
  await start();
  assert.equal(applier.list().length, 2);
  await waitFor(async () => (await routedTo(port, 'shop.test', '/help'))?.upstream === 'blue', {
    what: 'route after restart',
  });
  assert.deepEqual(await applier.remove({ uid: 'r', namespace: 'default', name: 'rival' }), {
    removed: true,
  });
  await waitFor(async () => (await get(port, 'shop.test', '/help')).status === 404, {
    what: 'route removed',
  });
  assert.deepEqual(await readdir(path.join(dir, 'state')), ['default_shop.json']);
  assert.equal(sink.nginx.listenerCount('exited'), 0);
});
