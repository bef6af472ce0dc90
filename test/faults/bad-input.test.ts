// Bad input: injection attempts in host, path and upstreams (refused by the schema with 422, or
// marked InvalidSpec; nothing reaches nginx), specs at and beyond the size limits, and 10,000
// resources in one namespace. Traffic flows throughout; each scenario ends on the shared invariant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { FaultSystem } from '../support/faults-system.ts';
import { Ingresses, simpleSpec } from '../support/kube.ts';

let fs: FaultSystem;

const codeOf = (error: unknown) => (error as { code?: number }).code;
const rule = (host: string, paths: unknown[]) => ({ host, http: { paths } });
const route = (p: string, backend: unknown = { upstreams: ['127.0.0.1:9'] }) => ({
  path: p,
  pathType: 'Prefix',
  backend,
});

/** Every file under the nginx agent's folder that mentions `marker`. */
async function nginxFilesWith(marker: string): Promise<string[]> {
  const root = fs.agent('n1').nginxDir;
  const hits: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.pid')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file, 'utf8')).includes(marker)) hits.push(file);
  }
  return hits;
}

describe('faults: bad input', () => {
  before(async () => {
    // The production RPC timeout: `nginx -t` of a spec at the limits (10,000 locations) takes seconds.
    fs = await FaultSystem.start({
      env: {
        RPC_TIMEOUT_MS: '5000',
        LEASE_DURATION_MS: '15000',
        LEASE_RENEW_DEADLINE_MS: '10000',
        MAX_CONCURRENT_RECONCILES: '16',
      },
    });
    await fs.startController();
    await fs.startAgent({ name: 'b1', labels: { zone: 'edge', bulk: 'yes' } });
    await fs.startAgent({ name: 'n1', labels: { zone: 'edge' }, applier: 'nginx' });
    await fs.ready();
    await fs.wic.create('victim', simpleSpec('victim.example.com'));
    await fs.converged();
  });
  after(async () => assert.deepEqual(await fs?.stop(), []));

  test('injection attempts in host, path and upstreams: 422 or InvalidSpec, nothing reaches nginx', async (t) => {
    const refused: string[] = [];
    const invalid: string[] = [];
    const attempts: [string, unknown][] = [
      ['host-semicolon', { rules: [rule('evil.com; include /etc/passwd', [route('/')])] }],
      ['host-newline', { rules: [rule('evil.com\n  server_name x', [route('/')])] }],
      ['host-brace', { rules: [rule('evil.com}', [route('/')])] }],
      ['path-semicolon', { rules: [rule('p.example.com', [route('/x; return 200 evil')])] }],
      ['path-brace', { rules: [rule('p.example.com', [route('/evil{}')])] }],
      ['path-variable', { rules: [rule('p.example.com', [route('/evil$request_uri')])] }],
      ['path-newline', { rules: [rule('p.example.com', [route('/evil\nproxy_pass http://x')])] }],
      ['path-hash', { rules: [rule('p.example.com', [route('/evil#')])] }],
      [
        'up-semicolon',
        {
          rules: [
            rule('u.example.com', [route('/', { upstreams: ['1.2.3.4:80; server evil:1'] })]),
          ],
        },
      ],
      [
        'up-newline',
        { rules: [rule('u.example.com', [route('/', { upstreams: ['evil.com:80\n}'] })])] },
      ],
      ['up-noport', { rules: [rule('u.example.com', [route('/', { upstreams: ['evil.com'] })])] }],
      [
        'svc-semicolon',
        { rules: [rule('s.example.com', [route('/', { service: { name: 'evil;x', port: 80 } })])] },
      ],
      [
        'both-backends',
        {
          rules: [
            rule('b.example.com', [
              route('/', { upstreams: ['evil.com:1'], service: { name: 'evil', port: 1 } }),
            ]),
          ],
        },
      ],
      // What the schema cannot express: caught by the controller.
      [
        'evil-octet',
        { rules: [rule('o.example.com', [route('/', { upstreams: ['999.1.1.1:80'] })])] },
      ],
      [
        'evil-port',
        { rules: [rule('o.example.com', [route('/', { upstreams: ['1.2.3.4:99999'] })])] },
      ],
    ];
    const r = await fs.scenario(
      async () => {
        for (const [name, spec] of attempts) {
          try {
            await fs.wic.create(name, spec);
            invalid.push(name);
          } catch (error) {
            assert.equal(codeOf(error), 422, `${name}: ${(error as Error).message}`);
            refused.push(name);
          }
        }
        // An existing resource patched to an injection: refused, the agents keep the old one.
        await assert.rejects(
          fs.wic.patch('victim', {
            spec: { rules: [rule('victim.example.com', [route('/evil;')])] },
          }),
          (error: unknown) => codeOf(error) === 422,
        );
        for (const name of invalid)
          await fs.wic.waitFor(
            name,
            (o) => o.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'InvalidSpec',
            'InvalidSpec',
          );
      },
      { traffic: { prefix: 'inj' } },
    );
    // A field the schema does not know is pruned at admission, as a real API server does.
    await fs.wic.create('pruned', {
      rules: [rule('e.example.com', [{ ...route('/'), snippet: 'evil' }])],
    });
    assert.equal(JSON.stringify((await fs.wic.get('pruned'))?.spec).includes('evil'), false);
    await fs.converged();
    assert.deepEqual(invalid, ['evil-octet', 'evil-port']);
    assert.deepEqual(await nginxFilesWith('evil'), []);
    t.diagnostic(
      `injection: ${refused.length} refused with 422, ${invalid.length} InvalidSpec; invariant held ${r.recoveryMs} ms after`,
    );
  });

  test('specs at the size limits are served; beyond them, refused', async (t) => {
    const label = (c: string) => c.repeat(63);
    const host = `${label('a')}.${label('b')}.${label('c')}.${'d'.repeat(61)}`; // 253
    const longPath = `/${'p'.repeat(255)}`; // 256
    const upstreams = Array.from(
      { length: 64 },
      (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:8080`,
    );
    const many = Array.from({ length: 100 }, (_, r) =>
      rule(
        `r${r}.max.example.com`,
        Array.from({ length: 100 }, (_, p) => route(`/p${p}`)),
      ),
    );
    const beyond: [string, unknown, number][] = [
      ['too-many-rules', { rules: [...many, rule('x.example.com', [route('/')])] }, 422],
      [
        'too-many-paths',
        {
          rules: [
            rule(
              'x.example.com',
              Array.from({ length: 101 }, (_, p) => route(`/p${p}`)),
            ),
          ],
        },
        422,
      ],
      [
        'too-many-upstreams',
        {
          rules: [rule('x.example.com', [route('/', { upstreams: [...upstreams, '10.9.9.9:1'] })])],
        },
        422,
      ],
      ['host-too-long', { rules: [rule(`e${host}`, [route('/')])] }, 422],
      ['path-too-long', { rules: [rule('x.example.com', [route(`${longPath}q`)])] }, 422],
      [
        'body-too-large',
        { rules: [rule('x.example.com', [route('/')])], pad: 'x'.repeat(3 << 20) },
        413,
      ],
    ];
    const r = await fs.scenario(
      async () => {
        // 10,000 locations: for the file agent only. nginx -t grows with the square of the
        // locations (4.7 s for 10,000 here), past any RPC timeout: an open limitation (README).
        await fs.wic.create('max-count', {
          rules: many,
          agentSelector: { matchLabels: { bulk: 'yes' } },
        });
        // The longest name agents take (dot-separated parts of 63) and the longest host and path.
        await fs.wic.create(`${label('n')}.${label('o')}.${label('p')}.${'q'.repeat(61)}`, {
          rules: [rule(host, [route(longPath, { upstreams })])],
        });
        // Kubernetes takes a 253-character name part; agents cannot: InvalidSpec, nothing pushed.
        await fs.wic.create('l'.repeat(253), simpleSpec('long-name.example.com'));
        await fs.wic.waitFor(
          'l'.repeat(253),
          (o) => /cannot be served: metadata.name/.test(o.status?.conditions?.[0]?.message ?? ''),
          'InvalidSpec for its name',
        );
        for (const [name, spec, code] of beyond)
          await assert.rejects(fs.wic.create(name, spec), (e: unknown) => codeOf(e) === code, name);
      },
      { traffic: { prefix: 'size' }, timeoutMs: 60_000 },
    );
    t.diagnostic(
      `size limits: 2 at the limit served, a 253-character name part InvalidSpec, ${beyond.length} beyond refused; invariant held ${r.recoveryMs} ms after`,
    );
  });

  test('10,000 resources in one namespace', async (t) => {
    await fs.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bulk' } } });
    const bulk = new Ingresses(fs.kc, 'bulk');
    const limit = pLimit(64);
    let createdMs = 0;
    const r = await fs.scenario(
      async () => {
        const started = Date.now();
        await Promise.all(
          Array.from({ length: 10_000 }, (_, i) =>
            limit(() =>
              // One in ten targets b1 (a push each); the rest target no agent (NoAgentsOnline).
              bulk.create(
                `b-${i}`,
                simpleSpec(`b-${i}.bulk.example.com`, undefined, {
                  agentSelector: { matchLabels: { bulk: i % 10 === 0 ? 'yes' : 'elsewhere' } },
                }),
              ),
            ),
          ),
        );
        createdMs = Date.now() - started;
      },
      // The invariant reads 10,000 objects: read it every few seconds, not every 200 ms.
      { traffic: { prefix: 'bulk' }, timeoutMs: 180_000, checkIntervalMs: 4_000 },
    );
    t.diagnostic(
      `10,000 resources: created in ${createdMs} ms, all reconciled ${r.recoveryMs} ms after the last create`,
    );
  });
});
