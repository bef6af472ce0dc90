// The HTTPS listener: bearer-token authentication, fault injection, discovery, OpenAPI and the
// resource endpoints; `startLocalKube()` wires it all and writes the kubeconfig.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  aggregated,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  VERSION,
  wantsAggregated,
} from './discovery.ts';
import { createEngine } from './engine.ts';
import { ApiError } from './errors.ts';
import { Faults, type FaultSpec } from './faults.ts';
import { handleResource, type ApiContext } from './handlers.ts';
import { sendError, sendObject } from './http.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { openApiDocuments, openApiRoot } from './openapi.ts';
import { generateServerTls } from './tls.ts';
import type { OpenWatch } from './watch.ts';

/** Options of `startLocalKube`. */
export interface LocalKubeOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Where to write the kubeconfig; default a new temporary folder (removed on close). */
  kubeconfigPath?: string;
  /** How many past changes are kept for watch resume; older resumes get 410 Gone. Default 1000. */
  watchWindow?: number;
  /** The bearer token clients must send; default random. */
  token?: string;
  /** How often a watch that allows bookmarks gets one; default 60 s, like the real server. */
  bookmarkIntervalMs?: number;
  /** Called after each request (the CLI logs with it; the server itself never logs). */
  onRequest?: (info: { method: string; path: string; code: number; durationMs: number }) => void;
}

/** Counters for tests and benchmarks. */
export interface LocalKubeStats {
  objects: number;
  resourceVersion: number;
  openWatches: number;
  requests: number;
  faultsServed: number;
}

/** A running local-kube. */
export interface LocalKube {
  url: string;
  kubeconfigPath: string;
  token: string;
  caPem: string;
  /** Stops serving: every watch ends, every connection closes, a temporary kubeconfig is removed. */
  close(): Promise<void>;
  /** Ends every open watch stream: abruptly (socket destroyed, the default) or cleanly. */
  cutWatches(options?: { graceful?: boolean }): number;
  /** Drops the retained history, so every watch resume from a version held now gets 410 Gone. */
  compact(): void;
  /** The next `count` requests matching `method` and `pathPattern` (path?query) answer `status`. */
  injectFault(spec: FaultSpec): void;
  /** Drops pending injected faults. */
  clearFaults(): void;
  stats(): LocalKubeStats;
}

const UNAUTHENTICATED = new Set(['/version', '/healthz', '/livez', '/readyz']);

/** Starts a local Kubernetes API server on 127.0.0.1 over HTTPS and writes its kubeconfig. */
export async function startLocalKube(options: LocalKubeOptions = {}): Promise<LocalKube> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { store, registry, objects } = createEngine(options.watchWindow ?? 1000);
  const watches = new Set<OpenWatch>();
  const faults = new Faults();
  const ctx: ApiContext = {
    registry,
    objects,
    watches,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
  };
  let requests = 0;
  let address = '127.0.0.1:0';
  const tls = generateServerTls();

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    requests++;
    const started = performance.now();
    res.on('finish', () =>
      options.onRequest?.({
        method: req.method ?? '',
        path: req.url ?? '',
        code: res.statusCode,
        durationMs: performance.now() - started,
      }),
    );
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${address}`);
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (!UNAUTHENTICATED.has(p) && req.headers.authorization !== `Bearer ${token}`) {
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    const fault = faults.take(req.method ?? 'GET', `${url.pathname}${url.search}`);
    if (fault) throw fault;
    if (p === '/version') return sendObject(res, 200, VERSION);
    if (p === '/healthz' || p === '/livez' || p === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('ok');
    }
    const segments = p.split('/').filter(Boolean);
    if (segments[0] === 'api' || segments[0] === 'apis') {
      if (req.method === 'GET' && discovery(req, res, segments)) return;
      if (segments[0] === 'api' && segments[1] === 'v1' && segments.length > 2)
        return handleResource(ctx, req, res, url, '', 'v1', segments.slice(2));
      if (segments[0] === 'apis' && segments.length > 3)
        return handleResource(
          ctx,
          req,
          res,
          url,
          segments[1] as string,
          segments[2] as string,
          segments.slice(3),
        );
    }
    if (segments[0] === 'openapi' && segments[1] === 'v3' && req.method === 'GET') {
      const docs = openApiDocuments(registry);
      if (segments.length === 2) return sendObject(res, 200, openApiRoot(docs));
      const doc = docs.get(segments.slice(2).join('/'));
      if (doc) return sendObject(res, 200, doc.doc);
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  function discovery(req: IncomingMessage, res: ServerResponse, segments: string[]): boolean {
    const agg = wantsAggregated(req.headers.accept);
    const legacy = segments[0] === 'api';
    let body: unknown;
    if (segments.length === 1 && agg) {
      const contentType = `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`;
      res.setHeader('Vary', 'Accept');
      sendObject(res, 200, aggregated(registry, legacy, agg), contentType);
      return true;
    }
    if (segments.length === 1) body = legacy ? apiVersions(address) : apiGroupList(registry);
    else if (legacy && segments.length === 2 && segments[1] === 'v1')
      body = apiResourceList(registry, '', 'v1');
    else if (!legacy && segments.length === 2) body = apiGroupDoc(registry, segments[1] as string);
    else if (!legacy && segments.length === 3)
      body = apiResourceList(registry, segments[1] as string, segments[2] as string);
    if (body === undefined) {
      if ((legacy && segments.length <= 2) || (!legacy && segments.length <= 3))
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return false;
    }
    sendObject(res, 200, body);
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `https://${address}`;
  const tempDir = options.kubeconfigPath
    ? undefined
    : await mkdtemp(path.join(os.tmpdir(), 'local-kube-'));
  const kubeconfigPath = options.kubeconfigPath ?? path.join(tempDir as string, 'kubeconfig');
  await writeFile(kubeconfigPath, renderKubeconfig(url, tls.caPem, token), { mode: 0o600 });

  const cut = (graceful: boolean): number => {
    const open = [...watches];
    for (const w of open) w.end(!graceful);
    return open.length;
  };
  return {
    url,
    kubeconfigPath,
    token,
    caPem: tls.caPem,
    async close() {
      cut(true);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
    cutWatches: (opts) => cut(opts?.graceful === true),
    compact: () => store.compact(),
    injectFault: (spec) => faults.inject(spec),
    clearFaults: () => faults.clear(),
    stats: () => ({
      objects: store.size,
      resourceVersion: store.resourceVersion,
      openWatches: watches.size,
      requests,
      faultsServed: faults.served,
    }),
  };
}
