// `wise2c-ingress demo`: the whole system on this machine, shown working, until Ctrl-C.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../devservices/index.ts';
import { startLocalKube } from '../local-kube/index.ts';
import { GROUP, PLURAL, VERSION, type IngressObject } from '../reconciler/types.ts';
import { applyAll, readManifests } from './apply.ts';
import { LocalSystem, type AgentSpec } from './system.ts';
import { startUpstreams } from './upstreams.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The ports the examples/ upstreams point at. */
const UPSTREAM_PORTS = [18080, 18081, 18082];

export interface DemoOptions {
  once: boolean;
  keep?: boolean;
  print?: (line: string) => void;
}

/** Runs the demo; resolves after Ctrl-C (or at once with `once`), having stopped all it started. */
export async function runDemo(options: DemoOptions): Promise<void> {
  const say = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wise2c-demo-'));
  // nginx workers run as an unprivileged user and keep temp files under the agents' folders.
  await chmod(dir, 0o755);
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const cleanups: (() => Promise<unknown>)[] = [];
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    const nginx = findNginx();
    say(`• working folder ${dir} (process logs in ${dir}/logs)`);
    say('• starting Redis and RabbitMQ (RabbitMQ takes about 6 s)…');
    const system = new LocalSystem({ dir, kubeconfigPath });
    cleanups.push(() => system.stop());
    await system.startServices();
    say(`  Redis ${system.redisUrl}, RabbitMQ ${system.amqpUrl.replace(/\/\/[^@]*@/, '//')}`);

    const kube = await startLocalKube({ kubeconfigPath });
    cleanups.push(() => kube.close());
    say(`• local-kube API server at ${kube.url}`);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await applyAll(kc, [
      ...(await readManifests(path.join(ROOT, 'crds'))),
      ...(await readManifests(path.join(ROOT, 'examples'))),
    ]);
    say('• applied crds/ and examples/');

    const upstreams = await startUpstreams(UPSTREAM_PORTS);
    cleanups.push(() => upstreams.close());
    // Processes stop before the API server and the brokers they talk to (cleanups run in reverse).
    cleanups.push(() => system.stopProcesses());
    await system.startController();
    const applier = nginx ? 'nginx' : 'file';
    const agents: AgentSpec[] = [
      { name: 'edge-1', labels: { zone: 'edge' }, applier },
      { name: 'edge-2', labels: { zone: 'edge' }, applier },
      { name: 'core-1', labels: { zone: 'core' }, applier },
    ].map((a) => (nginx ? { ...a, env: { NGINX_BIN: nginx } } : a)) as AgentSpec[];
    for (const agent of agents) await system.startAgent(agent);
    say(
      `• controller and ${agents.length} agents started (${applier} applier${nginx ? '' : ': nginx not found'})`,
    );

    const api = kc.makeApiClient(CustomObjectsApi);
    const list = async () =>
      (
        (await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
          items: IngressObject[];
        }
      ).items;
    let lastLine = '';
    await waitFor(
      async () => {
        const items = await list();
        const line = items
          .map((o) => `${o.metadata.name} ${o.status?.syncedAgents ?? '-'}`)
          .join(', ');
        if (line !== lastLine) say(`  waiting for Ready: ${(lastLine = line)}`);
        return (
          items.length > 0 &&
          items.every((o) =>
            o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          )
        );
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'every example to be Ready' },
    );
    say('• every example is Ready:\n');
    say(await table(kubeconfigPath, await list()));

    const edge = system.agents.get('edge-1');
    if (nginx && edge) {
      const url = `http://127.0.0.1:${edge.httpPort}/api/orders`;
      // An agent answers once nginx has its new config; a worker of the old one may serve a moment longer.
      const { status, body } = await waitFor(
        async () => {
          const res = await httpGet(url, 'shop.example.com');
          return res.status === 200 && res.body.includes('hello from upstream') ? res : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 100, what: `a routed answer from ${url}` },
      );
      say(
        `• routed through edge-1's nginx: GET ${url} (Host: shop.example.com) → ${status}\n  ${body}`,
      );
    }
    say(
      `\nGo on with kubectl:\n  export KUBECONFIG=${kubeconfigPath}\n  kubectl get wic -A\n  kubectl describe wic shop`,
    );
    if (options.once) return;
    say('\nRunning; press Ctrl-C to stop everything.');
    await interrupted;
    say('\n• stopping…');
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    if (!options.keep) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A GET with a Host header of our choosing (fetch does not let one set Host). */
function httpGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.once('error', reject);
    req.setTimeout(2_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `kubectl get wic -A` when kubectl is installed, else the same columns drawn here. kubectl runs
 * asynchronously: local-kube answers it from this very process.
 */
async function table(kubeconfigPath: string, items: readonly IngressObject[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(
      'kubectl',
      ['--kubeconfig', kubeconfigPath, 'get', 'wic', '-A'],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    if (stdout) return stdout.trimEnd();
  } catch {
    // no kubectl, or it failed: draw the table ourselves
  }
  const rows = [['NAMESPACE', 'NAME', 'HOSTS', 'SYNCED', 'READY', 'REASON']];
  for (const o of items) {
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
    const hosts = ((o.spec as { rules?: { host: string }[] }).rules ?? [])
      .map((r) => r.host)
      .join(',');
    rows.push([
      o.metadata.namespace,
      o.metadata.name,
      hosts,
      o.status?.syncedAgents ?? '',
      ready?.status ?? '',
      ready?.reason ?? '',
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd((widths[i] ?? 0) + 3))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
