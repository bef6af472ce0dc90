// kubectl 1.32 itself against local-kube: apply, get, get -o yaml, describe, patch --subresource,
// delete, get -w; the project's own CRD and resources.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { waitFor } from '../../src/devservices/process.ts';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';

const run = promisify(execFile);
const repo = path.join(import.meta.dirname, '..', '..');
const fixtures = path.join(repo, 'test', 'fixtures', 'local-kube');

describe('kubectl against local-kube', () => {
  let kube: LocalKube;
  let dir: string;
  const kubectl = async (
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(
        'kubectl',
        [`--kubeconfig=${kube.kubeconfigPath}`, `--cache-dir=${path.join(dir, 'cache')}`, ...args],
        { timeout: 20_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  };
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'local-kube-kubectl-'));
    kube = await startLocalKube({ kubeconfigPath: path.join(dir, 'kubeconfig') });
  });
  after(async () => {
    await kube.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the project CRD, which becomes Established and listed by api-resources', async () => {
    assert.match(
      await ok('apply', '-f', path.join(repo, 'crds')),
      /customresourcedefinition.apiextensions.k8s.io\/wise2cingressconfigs.ingress.wise2c.com created/,
    );
    await ok(
      'wait',
      '--for=condition=Established',
      '--timeout=10s',
      'crd/wise2cingressconfigs.ingress.wise2c.com',
    );
    const resources = await ok('api-resources', '--api-group=ingress.wise2c.com');
    assert.match(
      resources,
      /wise2cingressconfigs\s+wic\s+ingress.wise2c.com\/v1\s+true\s+Wise2cIngressConfig/,
    );
  });

  it('applies a resource (validated by the server) and gets it with the printer columns', async () => {
    assert.match(
      await ok('apply', '-f', path.join(fixtures, 'shop.yaml')),
      /wise2cingressconfig.ingress.wise2c.com\/shop created/,
    );
    const table = await ok('get', 'wic');
    const [header, row] = table.trim().split('\n');
    assert.match(header ?? '', /^NAME\s+HOSTS\s+SYNCED\s+READY\s+REASON\s+AGE$/);
    assert.match(row ?? '', /^shop\s+shop\.example\.com\s+\d+s$/);
    assert.match(await ok('get', 'wise2c'), /^shop\s/m);
  });

  it('gets -o yaml with server-set metadata', async () => {
    const obj = YAML.parse(await ok('get', 'wic', 'shop', '-o', 'yaml')) as {
      metadata: Record<string, unknown>;
      spec: { rules: unknown[] };
    };
    assert.equal(obj.metadata.generation, 1);
    assert.match(String(obj.metadata.uid), /^[0-9a-f-]{36}$/);
    assert.equal(obj.spec.rules.length, 2);
  });

  it('patches status through --subresource=status; get shows Synced, Ready and Reason', async () => {
    const status = {
      status: {
        syncedAgents: '2/3',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'AgentsPending',
            message: 'One agent is pending.',
            lastTransitionTime: '2024-01-01T00:00:00Z',
          },
        ],
      },
    };
    await ok(
      'patch',
      'wic',
      'shop',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    );
    assert.match(
      await ok('get', 'wic', 'shop', '--no-headers'),
      /^shop\s+shop\.example\.com\s+2\/3\s+False\s+AgentsPending\s+\d+s$/m,
    );
    const obj = YAML.parse(await ok('get', 'wic', 'shop', '-o', 'yaml')) as {
      metadata: { generation: number };
    };
    assert.equal(obj.metadata.generation, 1);
  });

  it('describes the resource', async () => {
    const text = await ok('describe', 'wic', 'shop');
    assert.match(text, /^Name:\s+shop$/m);
    assert.match(text, /Synced Agents:\s+2\/3/);
    assert.match(text, /^Events:\s+<none>$/m);
  });

  it('re-applies a changed resource as a patch: configured, generation 2', async () => {
    const changed = readFileSync(path.join(fixtures, 'shop.yaml'), 'utf8').replace(
      'shop.example.com',
      'www.example.com',
    );
    await writeFile(path.join(dir, 'shop.yaml'), changed);
    assert.match(await ok('apply', '-f', path.join(dir, 'shop.yaml')), /configured/);
    const obj = YAML.parse(await ok('get', 'wic', 'shop', '-o', 'yaml')) as {
      metadata: { generation: number };
      status: { syncedAgents: string };
    };
    assert.deepEqual([obj.metadata.generation, obj.status.syncedAgents], [2, '2/3']);
  });

  it('shows the server-side validation errors, and refuses unknown fields', async () => {
    const invalid = await kubectl('apply', '-f', path.join(fixtures, 'invalid.yaml'));
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /The Wise2cIngressConfig "broken" is invalid/);
    assert.match(
      invalid.stderr,
      /spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Unsupported value: "Regex"/,
    );
    await writeFile(
      path.join(dir, 'unknown.yaml'),
      readFileSync(path.join(fixtures, 'shop.yaml'), 'utf8')
        .replace('name: shop', 'name: other')
        .replace('spec:', 'spec:\n  colour: red'),
    );
    const unknown = await kubectl('apply', '-f', path.join(dir, 'unknown.yaml'));
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /strict decoding error: unknown field "spec.colour"/);
  });

  it('watches with get -w until a deadline, seeing a change', async () => {
    const child = spawn(
      'kubectl',
      [
        `--kubeconfig=${kube.kubeconfigPath}`,
        `--cache-dir=${path.join(dir, 'cache')}`,
        'get',
        'wic',
        '-w',
        '--output-watch-events',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitFor(() => /ADDED\s+shop/.test(out), {
        timeoutMs: 10_000,
        what: 'kubectl get -w lists shop',
      });
      await ok(
        'patch',
        'wic',
        'shop',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"syncedAgents":"3/3"}}',
      );
      await waitFor(() => /MODIFIED\s+shop\s+www\.example\.com\s+3\/3/.test(out), {
        timeoutMs: 10_000,
        what: 'kubectl get -w shows the change',
      });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('creates a namespace (sent as protobuf), applies a Lease twice (strategic merge), deletes the namespace', async () => {
    assert.match(await ok('create', 'namespace', 'team-a'), /namespace\/team-a created/);
    const lease = (holder: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader', namespace: 'team-a', labels: { holder } },
      spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
    });
    await writeFile(path.join(dir, 'lease.yaml'), YAML.stringify(lease('a')));
    assert.match(
      await ok('apply', '-f', path.join(dir, 'lease.yaml')),
      /lease.coordination.k8s.io\/leader created/,
    );
    await writeFile(path.join(dir, 'lease.yaml'), YAML.stringify(lease('b')));
    assert.match(await ok('apply', '-f', path.join(dir, 'lease.yaml')), /configured/);
    assert.match(
      await ok('get', 'lease', '-n', 'team-a', '--show-labels'),
      /^leader\s+b\s+\d+s\s+holder=b$/m,
    );
    assert.match(await ok('delete', 'namespace', 'team-a'), /namespace "team-a" deleted/);
    assert.match(
      (await kubectl('get', 'namespace', 'team-a')).stderr,
      /namespaces "team-a" not found/,
    );
  });

  it('deletes the resource and then the CRD', async () => {
    assert.match(
      await ok('delete', 'wic', 'shop'),
      /wise2cingressconfig.ingress.wise2c.com "shop" deleted/,
    );
    assert.match((await kubectl('get', 'wic', 'shop')).stderr, /NotFound|not found/);
    assert.match(await ok('delete', '-f', path.join(repo, 'crds')), /deleted/);
  });
});
