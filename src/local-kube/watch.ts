// Watch streams: newline-delimited JSON events from a resourceVersion, with selector transitions,
// bookmarks, timeouts, and 410 Gone delivered as the real server does (an ERROR event, then close).
import type { ServerResponse } from 'node:http';
import { statusObject } from './errors.ts';
import { encode } from './objects.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import type { Obj } from './schema.ts';
import type { Store, StoreEvent } from './store.ts';
import { partialMetadata, toTable, type IncludeObject } from './table.ts';

/** What one watch request asked for. */
export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  matches: (obj: Obj) => boolean;
  resourceVersion: string | undefined;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutMs: number;
  as: 'json' | 'table' | 'metadata';
  include: IncludeObject;
  contentType: string;
}

/** An open watch stream, as the server's fault controls see it. */
export interface OpenWatch {
  /** Ends the stream: abruptly (socket destroyed) or cleanly (stream ended). */
  end(abrupt: boolean): void;
}

/** Most bytes a watcher may fall behind before the server drops it, as the real one drops slow watchers. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Serves one watch on `res` until timeout, client close, or `end()`. */
export function serveWatch(
  res: ServerResponse,
  store: Store,
  req: WatchRequest,
  bookmarkIntervalMs: number,
  open: Set<OpenWatch>,
): void {
  const t = req.type;
  const rv = req.resourceVersion;
  const fromStart = rv === undefined || rv === '' || rv === '0' || req.sendInitialEvents;
  let backlog: StoreEvent[] | undefined = [];
  if (!fromStart) {
    backlog = store.eventsSince(Number(rv));
  }
  res.writeHead(200, {
    'Content-Type': req.contentType,
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  if (backlog === undefined) {
    const status = statusObject(
      410,
      'Expired',
      `too old resource version: ${rv} (${store.resourceVersion})`,
    );
    res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    return;
  }
  let first = true;
  const line = (type: string, stored: Obj): string => {
    const served = encode(t, stored);
    let object: Obj = served;
    if (req.as === 'table')
      object = toTable(
        t,
        [served],
        req.include,
        { resourceVersion: (served.metadata as Obj).resourceVersion },
        first,
      );
    if (req.as === 'metadata') object = partialMetadata(served);
    first = false;
    return `${JSON.stringify({ type, object })}\n`;
  };
  const send = (text: string) => {
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) close(true);
  };
  const inScope = (obj: Obj | undefined): boolean => {
    if (!obj) return false;
    const ns = (obj.metadata as Obj).namespace;
    return (req.namespace === undefined || ns === req.namespace) && req.matches(obj);
  };
  const deliver = (e: StoreEvent) => {
    if (e.storage !== t.storage) return;
    const now = e.type !== 'DELETED' && inScope(e.object);
    const before = e.type !== 'ADDED' && inScope(e.previous);
    let type: string;
    if (e.type === 'DELETED') type = before ? 'DELETED' : '';
    else if (now) type = before ? 'MODIFIED' : 'ADDED';
    else type = before ? 'DELETED' : '';
    if (!type) return;
    if (req.as === 'table') return send(line(type, e.object));
    const key = `${t.group}/${t.version}/${req.as}/${type}`;
    let text = e.lines.get(key);
    if (text === undefined) e.lines.set(key, (text = line(type, e.object)));
    send(text);
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Obj = {
      resourceVersion: String(store.resourceVersion),
      creationTimestamp: null,
    };
    if (annotations) metadata.annotations = annotations;
    const object =
      req.as === 'metadata'
        ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata }
        : { kind: t.kind, apiVersion: groupVersion(t), metadata };
    send(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  };

  if (fromStart) {
    const initial = store.list(t.storage, t.namespaced ? req.namespace : undefined).filter(inScope);
    for (const obj of initial) send(line('ADDED', obj));
    if (req.sendInitialEvents && req.bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    for (const e of backlog) deliver(e);
  }
  const unsubscribe = store.subscribe(deliver);
  const ticker =
    req.bookmarks && req.as !== 'table'
      ? setInterval(() => bookmark(), bookmarkIntervalMs)
      : undefined;
  const timer = setTimeout(() => close(false), req.timeoutMs);
  let closed = false;
  const handle: OpenWatch = { end: (abrupt) => close(abrupt) };
  function close(abrupt: boolean): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(ticker);
    clearTimeout(timer);
    open.delete(handle);
    if (abrupt) res.socket?.destroy();
    else res.end();
  }
  open.add(handle);
  res.on('close', () => close(false));
}
