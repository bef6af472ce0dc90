// local-kube: listing 10,000 custom resources over HTTPS (against JSON.stringify of the same
// objects in-process), and one update reaching 100 watchers (latency p50/p99).
import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import { startLocalKube, type LocalKube } from '../src/local-kube/index.ts';
import { fmt, percentile, table, type BenchResult } from './lib/report.ts';

const OBJECTS = 10_000;
const WATCHERS = 100;
const UPDATES = 30;
const LIST_RUNS = 5;
const WIC = '/apis/ingress.wise2c.com/v1/namespaces/default/wise2cingressconfigs';

function request(
  kube: LocalKube,
  agent: https.Agent,
  method: string,
  p: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${kube.url}${p}`,
      {
        method,
        agent,
        ca: kube.caPem,
        headers: { Authorization: `Bearer ${kube.token}`, 'Content-Type': contentType },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          (res.statusCode ?? 0) < 300
            ? resolve(Buffer.concat(chunks).toString())
            : reject(new Error(`${method} ${p}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function wic(i: number): unknown {
  return {
    apiVersion: 'ingress.wise2c.com/v1',
    kind: 'Wise2cIngressConfig',
    metadata: { name: `cfg-${String(i).padStart(5, '0')}`, labels: { bench: 'yes' } },
    spec: {
      rules: [
        {
          host: `h${i}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { upstreams: ['10.0.0.1:8080', '10.0.0.2:8080'] },
              },
            ],
          },
        },
      ],
    },
  };
}

/** Runs the benchmark and returns its BENCHMARKS.md section. */
export async function run(): Promise<BenchResult> {
  const kube = await startLocalKube({ watchWindow: 20_000 });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  try {
    const crd = YAML.parse(
      readFileSync(
        path.join(import.meta.dirname, '..', 'crds', 'wise2cingressconfigs.yaml'),
        'utf8',
      ),
    ) as unknown;
    await request(
      kube,
      agent,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      crd,
    );
    let next = 0;
    const createStart = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < OBJECTS) await request(kube, agent, 'POST', WIC, wic(next++));
      }),
    );
    const createMs = performance.now() - createStart;

    const listMs: number[] = [];
    const stringifyMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < LIST_RUNS; i++) {
      const t0 = performance.now();
      const text = await request(kube, agent, 'GET', WIC);
      listMs.push(performance.now() - t0);
      bytes = text.length;
      const items = (JSON.parse(text) as { items: unknown[] }).items;
      const t1 = performance.now();
      JSON.stringify({ items });
      stringifyMs.push(performance.now() - t1);
    }

    const latencies: number[] = [];
    let sentAt = 0;
    const streams = await Promise.all(
      Array.from(
        { length: WATCHERS },
        () =>
          new Promise<ClientRequest>((resolve, reject) => {
            const rv = String(kube.stats().resourceVersion);
            const req = https.request(
              `${kube.url}${WIC}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dcfg-00000`,
              { ca: kube.caPem, headers: { Authorization: `Bearer ${kube.token}` } },
              (res) => {
                res.on('data', () => latencies.push(performance.now() - sentAt));
                resolve(req);
              },
            );
            req.on('error', reject);
            req.end();
          }),
      ),
    );
    for (let u = 0; u < UPDATES; u++) {
      const target = latencies.length + WATCHERS;
      sentAt = performance.now();
      await request(
        kube,
        agent,
        'PATCH',
        `${WIC}/cfg-00000/status`,
        { status: { syncedAgents: `${u}/${UPDATES}` } },
        'application/merge-patch+json',
      );
      while (latencies.length < target) await new Promise((r) => setImmediate(r));
    }
    for (const s of streams) s.destroy();

    const listP50 = percentile(listMs, 50);
    const strP50 = percentile(stringifyMs, 50);
    const body = [
      table(
        ['operation', 'n', 'p50 ms', 'p99 ms', 'baseline', 'ratio'],
        [
          [
            `list ${OBJECTS} custom resources (HTTPS, ${fmt(bytes / 2 ** 20)} MiB)`,
            LIST_RUNS,
            fmt(listP50),
            fmt(percentile(listMs, 99)),
            `JSON.stringify in-process ${fmt(strP50)} ms`,
            `${fmt(listP50 / strP50)}×`,
          ],
          [
            `one update reaching ${WATCHERS} watchers (PATCH sent → event read)`,
            latencies.length,
            fmt(percentile(latencies, 50)),
            fmt(percentile(latencies, 99)),
            '',
            '',
          ],
          [
            `create ${OBJECTS} (32 concurrent POSTs, each validated)`,
            OBJECTS,
            '',
            '',
            `${fmt(OBJECTS / (createMs / 1000))} objects/s`,
            '',
          ],
        ],
      ),
    ].join('\n');
    return {
      title: 'local-kube: list and watch fan-out',
      body,
      summary: `Listing ${OBJECTS} objects costs ${fmt(listP50 / strP50)}× serializing them in-process (the read path: encode, stringify, TLS); an update reaches all ${WATCHERS} watchers with p99 ${fmt(percentile(latencies, 99))} ms, one serialization shared by all of them.`,
    };
  } finally {
    agent.destroy();
    await kube.close();
  }
}
