// REDIS_URL forms: plain, TLS, Sentinel and Cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisUrl } from '../../src/registry/index.ts';

test('redis:// and rediss:// are one server, passed to ioredis as is', () => {
  assert.deepEqual(parseRedisUrl('redis://:pw@10.0.0.1:6380/2'), {
    kind: 'standalone',
    url: 'redis://:pw@10.0.0.1:6380/2',
  });
  assert.equal(parseRedisUrl('rediss://cache.example.com').kind, 'standalone');
});

test('redis-sentinel:// lists sentinels and names the master group', () => {
  assert.deepEqual(
    parseRedisUrl(
      'redis-sentinel://:secret@s1:26379,s2,s3:26380/mymaster?db=1&sentinelPassword=sp&role=replica',
    ),
    {
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
          { host: 's3', port: 26380 },
        ],
        name: 'mymaster',
        password: 'secret',
        sentinelPassword: 'sp',
        role: 'slave',
        db: 1,
      },
    },
  );
  assert.throws(() => parseRedisUrl('redis-sentinel://s1:26379'), /names no Sentinel master group/);
});

test('redis-cluster:// lists seed nodes; credentials go to every node', () => {
  assert.deepEqual(parseRedisUrl('redis-cluster://user:p%40ss@n1:7000,n2:7001?tls=1'), {
    kind: 'cluster',
    nodes: [
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ],
    options: { redisOptions: { username: 'user', password: 'p@ss', tls: {} } },
  });
});

test('anything else is refused without echoing the password', () => {
  assert.throws(
    () => parseRedisUrl('http://u:hunter2@x'),
    (error: Error) => !error.message.includes('hunter2'),
  );
});
