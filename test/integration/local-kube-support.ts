// Raw HTTPS access to a local-kube for the integration tests: requests and watch streams.
import https from 'node:https';
import type { LocalKube } from '../../src/local-kube/index.ts';
import { waitFor } from '../../src/devservices/process.ts';

/** One response, its body parsed as JSON when it is JSON. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  text: string;
}

/** Sends one request with the kubeconfig's token (unless `token` is given). */
export async function call(
  kube: LocalKube,
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; accept?: string; token?: string | null } = {},
): Promise<Reply> {
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? kube.token}`;
  if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(`${kube.url}${path}`, { method, headers, ca: kube.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A watch event as received. */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown>; code?: number };
}

/** An open watch stream collecting its events. */
export interface WatchStream {
  events: WatchEvent[];
  ended: Promise<'end' | 'error'>;
  status: number;
  /** Resolves with the events once `count` have arrived. */
  take(count: number, timeoutMs?: number): Promise<WatchEvent[]>;
  close(): void;
}

/** Opens `GET path` (add `watch=true` yourself) and collects events line by line. */
export async function watch(
  kube: LocalKube,
  path: string,
  accept = 'application/json',
): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    const req = https.request(
      `${kube.url}${path}`,
      { headers: { Authorization: `Bearer ${kube.token}`, Accept: accept }, ca: kube.caPem },
      (res) => {
        let buffer = '';
        let settle: (v: 'end' | 'error') => void = () => {};
        const ended = new Promise<'end' | 'error'>((r) => (settle = r));
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buffer.slice(0, nl)) as WatchEvent);
            buffer = buffer.slice(nl + 1);
          }
        });
        res.on('end', () => settle('end'));
        res.on('error', () => settle('error'));
        res.on('aborted', () => settle('error'));
        req.on('error', () => settle('error'));
        resolve({
          events,
          ended,
          status: res.statusCode ?? 0,
          take: (count, timeoutMs = 5000) =>
            waitFor(() => (events.length >= count ? events.slice(0, count) : undefined), {
              timeoutMs,
              intervalMs: 10,
              what: `${count} watch events on ${path}`,
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The project's resource path in a namespace. */
export const WIC = '/apis/ingress.wise2c.com/v1/namespaces/default/wise2cingressconfigs';

/** A minimal valid Wise2cIngressConfig. */
export function wic(
  name: string,
  host = `${name}.example.com`,
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'ingress.wise2c.com/v1',
    kind: 'Wise2cIngressConfig',
    metadata: { name, labels },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { upstreams: ['127.0.0.1:80'] } }],
          },
        },
      ],
    },
  };
}
