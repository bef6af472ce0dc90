// HTTP plumbing: request bodies (size-limited, JSON or YAML) and responses (JSON, YAML, Status).
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { ApiError, badRequest } from './errors.ts';
import { decodeProtobuf } from './protobuf.ts';

/** The real server's request body limit: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const JSON_LIKE = new Set([
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  '',
]);

/** Reads and parses the request body (JSON, or YAML when so declared); undefined when empty. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(
        413,
        'RequestEntityTooLarge',
        `Request entity too large: limit is ${MAX_BODY_BYTES}`,
      );
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(raw);
  if (!JSON_LIKE.has(type)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (local-kube does not speak ${type})`,
    );
  }
  try {
    if (type === 'application/yaml' || type === 'application/apply-patch+yaml')
      return YAML.parse(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

/** Sends `body` as JSON (or YAML when `contentType` says so). */
export function sendObject(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
  warnings: string[] = [],
): void {
  const text = contentType === 'application/yaml' ? YAML.stringify(body) : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

/** Sends an error as the real server does: a Status object with the error's code. */
export function sendError(res: ServerResponse, error: unknown): void {
  const api =
    error instanceof ApiError
      ? error
      : new ApiError(
          500,
          'InternalError',
          `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
        );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  };
  if (api.details?.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(api.details.retryAfterSeconds);
  res.writeHead(api.code, headers);
  res.end(JSON.stringify(api.toStatus()));
}
