// kind-config.yaml, scripts/kind-e2e.sh and the Dockerfile: what can be checked without a container
// engine. The script runs end to end against stub tools (test/support/deploy-stubs.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ROOT, hasTool, podSpec, render, workloadRunning } from '../support/deploy-manifests.ts';
import { makeStubs } from '../support/deploy-stubs.ts';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts/kind-e2e.sh');
const EDGE_LABEL = 'ingress.wise2c.com/edge';

interface KindNode {
  role?: string;
  labels?: Record<string, string>;
  extraPortMappings?: { containerPort?: number; hostPort?: number; listenAddress?: string }[];
}
const kindConfig = parse(await readFile(path.join(ROOT, 'kind-config.yaml'), 'utf8')) as {
  kind?: string;
  apiVersion?: string;
  nodes?: KindNode[];
};
const workers = (kindConfig.nodes ?? []).filter((n) => n.role === 'worker');
const script = await readFile(SCRIPT, 'utf8');

test('kind-config.yaml: one control plane and two workers labelled as ingress nodes', () => {
  assert.equal(kindConfig.kind, 'Cluster');
  assert.equal(kindConfig.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.deepEqual(
    kindConfig.nodes?.map((n) => n.role),
    ['control-plane', 'worker', 'worker'],
  );
  for (const w of workers) assert.equal(w.labels?.[EDGE_LABEL], 'true');
  assert.equal(kindConfig.nodes?.[0]?.labels?.[EDGE_LABEL], undefined);
});

test("kind-config.yaml maps a distinct local port to each worker's agent hostPort", async () => {
  const agent = workloadRunning(await render(path.join(ROOT, 'deploy/overlays/kind')), 'agent');
  const hostPort = podSpec(agent).containers?.[0]?.ports?.find((p) => p.name === 'http')?.hostPort;
  assert.ok(hostPort, 'the agent has a hostPort');
  for (const [key, value] of Object.entries(podSpec(agent).nodeSelector ?? {}))
    for (const w of workers)
      assert.equal(w.labels?.[key], value, 'the agent lands on every worker');
  const mapped = workers.map((w) => w.extraPortMappings?.[0]);
  for (const m of mapped) {
    assert.equal(m?.containerPort, hostPort);
    assert.equal(m?.listenAddress, '127.0.0.1');
  }
  const local = mapped.map((m) => m?.hostPort);
  assert.equal(new Set(local).size, 2);
  // The script curls exactly these ports.
  assert.match(script, new RegExp(`AGENT_PORTS=\\(${local.join(' ')}\\)`));
});

test('scripts/kind-e2e.sh passes bash -n and shellcheck', async () => {
  await run('bash', ['-n', SCRIPT]);
  if (!(await hasTool('shellcheck')))
    assert.fail('shellcheck is not installed (scripts/deps.sh installs it, as root)');
  await run('shellcheck', ['--severity=style', SCRIPT]);
  assert.match(script, /^set -euo pipefail$/m);
  assert.match(script, /^trap cleanup EXIT$/m);
});

test('scripts/kind-e2e.sh routes the example it names, as the example names it', async () => {
  const example = /^EXAMPLE=(\S+)$/m.exec(script)?.[1] ?? '';
  const wic = parse(await readFile(path.join(ROOT, example), 'utf8')) as {
    metadata: { name: string; namespace: string };
    spec: {
      rules: {
        host: string;
        http: { paths: { backend: { service?: { name: string; port: number } } }[] };
      }[];
    };
  };
  const backend = wic.spec.rules[0]?.http.paths[0]?.backend.service;
  const variable = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(script)?.[1];
  assert.equal(variable('WIC_NAMESPACE'), wic.metadata.namespace);
  assert.equal(variable('WIC_NAME'), wic.metadata.name);
  assert.equal(variable('WIC_HOST'), wic.spec.rules[0]?.host);
  assert.equal(variable('WIC_NAME'), backend?.name, 'the echo Service is the backend');
  assert.equal(variable('BACKEND_PORT'), String(backend?.port));
});

/** Runs the script with stub tools; returns its exit code, output and the tools' calls. */
async function runWithStubs(env: Record<string, string>) {
  const dir = await makeStubs();
  try {
    const result = await run('bash', [SCRIPT], {
      env: { PATH: `${dir}/bin:/usr/local/bin:/usr/bin:/bin`, STUB_DIR: dir, HOME: dir, ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const calls = (await readFile(path.join(dir, 'calls.log'), 'utf8').catch(() => ''))
      .trim()
      .split('\n');
    return { ...result, calls };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts `expected` occur in `calls` in this order (other calls may come between). */
function assertInOrder(calls: string[], expected: RegExp[]): void {
  let at = 0;
  for (const pattern of expected) {
    const found = calls.findIndex((c, i) => i >= at && pattern.test(c));
    assert.ok(found >= 0, `no call matching ${pattern} after call ${at}:\n${calls.join('\n')}`);
    at = found + 1;
  }
}

test('scripts/kind-e2e.sh runs the whole flow, in order, against stub tools', async () => {
  const r = await runWithStubs({ CLUSTER_NAME: 'w2i' });
  assert.equal(r.code, 0, r.stderr);
  assertInOrder(r.calls, [
    /^kind create cluster --name w2i --config kind-config.yaml/,
    /^docker build -t wise2c-ingress:dev \.$/,
    /^kind load docker-image wise2c-ingress:dev --name w2i$/,
    /^kubectl --context kind-w2i apply -k deploy\/overlays\/kind$/,
    /rollout status daemonset\/wise2c-ingress-agent/,
    /^kubectl --context kind-w2i apply -f examples\/in-cluster\/service-backend.yaml$/,
    /wait --for=condition=Ready .*wic\/web$/,
    /^curl .*Host: www.example.com http:\/\/127.0.0.1:8081\/echo/,
    /^curl .*Host: www.example.com http:\/\/127.0.0.1:8082\/echo/,
    /^kubectl --context kind-w2i delete -f examples\/in-cluster\/service-backend.yaml/,
    /get wic\/web$/,
    /^kind delete cluster --name w2i$/,
  ]);
  assert.match(r.stdout, /kind end-to-end test passed/);
});

test('scripts/kind-e2e.sh fails when the route does not answer, shows diagnostics, still tears down', async () => {
  const r = await runWithStubs({ CLUSTER_NAME: 'w2i', STUB_CURL_CODE: '502' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /FAILED: through 127.0.0.1:8081\/echo\?msg=wise2c-e2e: expected HTTP 200/);
  assert.ok(r.calls.some((c) => /logs -l app.kubernetes.io\/component=controller/.test(c)));
  assert.equal(r.calls.at(-1), 'kind delete cluster --name w2i');
});

test('scripts/kind-e2e.sh keeps the cluster with KEEP_CLUSTER=1 and never deletes one it reused', async () => {
  const kept = await runWithStubs({ CLUSTER_NAME: 'w2i', KEEP_CLUSTER: '1' });
  assert.equal(kept.code, 0, kept.stderr);
  assert.ok(!kept.calls.some((c) => c.startsWith('kind delete')));
  const reused = await runWithStubs({ CLUSTER_NAME: 'w2i', STUB_EXISTING_CLUSTERS: 'w2i' });
  assert.equal(reused.code, 0, reused.stderr);
  assert.ok(!reused.calls.some((c) => c.startsWith('kind create') || c.startsWith('kind delete')));
});

test('Dockerfile: multi-stage, npm ci, production dependencies, nginx, non-root uid of deploy/', async () => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  assert.equal(stages.length, 2, 'a build stage and a runtime stage');
  const [build = '', runtime = ''] = stages;
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
  assert.match(build, /npm ci\b/);
  assert.match(build, /npm run build/);
  assert.match(runtime, /npm ci --omit=dev/);
  assert.match(runtime, /apt-get install [^\n]*nginx/);
  assert.match(runtime, /COPY --from=build \/src\/dist \.\/dist/);
  assert.doesNotMatch(runtime, /COPY (src|\.) /, 'no sources in the runtime image');
  assert.match(runtime, /^ENTRYPOINT \[.*"node", "\/app\/dist\/cli.js"\]$/m);
  const user = /^USER (\d+):(\d+)$/m.exec(runtime);
  assert.ok(user && Number(user[1]) > 0, 'a numeric non-root USER (runAsNonRoot can verify it)');
  const manifests = await Promise.all(
    ['controller.yaml', 'agent.yaml'].map((f) =>
      readFile(path.join(ROOT, 'deploy/base', f), 'utf8'),
    ),
  );
  for (const m of manifests) assert.match(m, new RegExp(`runAsUser: ${user[1]}\\b`));
  const ignore = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8')).split('\n');
  assert.equal(
    ignore.find((l) => l && !l.startsWith('#')),
    '*',
    '.dockerignore allows only listed paths',
  );
  assert.ok(!ignore.some((l) => /^!(node_modules|dist|\.git|deploy)/.test(l)));
});
